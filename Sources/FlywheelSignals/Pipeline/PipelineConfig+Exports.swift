import Yams

/// A training-file layout written by `flywheel export` and by a pipeline's `exports:`: one compact
/// JSON object per line, in the shape OpenAI fine-tuning or Hugging Face TRL reads as is (the
/// encoders are in FlywheelConnectors).
public enum TrainingFormat: String, CaseIterable, Sendable {
    /// OpenAI preference fine-tuning: `input.messages`, `preferred_output`, `non_preferred_output`.
    case openAIDPO = "openai-dpo"
    /// TRL `DPOTrainer`, conversational: `prompt`, `chosen`, `rejected` as message lists.
    case trlDPO = "trl-dpo"
    /// OpenAI supervised fine-tuning chat format: `messages`, optionally with `weight` on assistant messages.
    case openAISFT = "openai-sft"
    /// TRL `SFTTrainer`, conversational: `messages`.
    case trlSFT = "trl-sft"

    /// True for the formats that take preference pairs; false for the SFT formats.
    public var takesPreferencePairs: Bool { self == .openAIDPO || self == .trlDPO }

    /// The signal whose records this format encodes.
    public var signal: SignalKind { takesPreferencePairs ? .preferencePair : .sftExample }

    /// The file of a replay output folder that holds those records.
    public var inputFileName: String { signal.record.fileName }
}

/// A training-ready file the replay writes from its signals (see `flywheel export`).
public struct ExportSpec: Sendable, Equatable {
    public var format: TrainingFormat
    /// Output file, relative to the replay's output folder unless absolute.
    public var file: String
    public var split: Double?
    public var minChars: Int = 0
    public var keepEqual = false
    public var dedupPrompt = false

    public init(format: TrainingFormat, file: String) {
        self.format = format
        self.file = file
    }
}

extension PipelineConfig {
    static let exportKeys = ["format", "file", "split", "min_chars", "keep_equal", "dedup_prompt"]

    /// Parses `exports:`, a list of `{ format, file, split?, min_chars?, keep_equal?, dedup_prompt? }`.
    static func parseExports(_ section: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> [ExportSpec] {
        if reader.isNull(section.value) { return [] }
        guard let items = section.value.sequence else {
            throw reader.failure(
                .badType, "expected a list of exports, e.g. - { format: trl-dpo, file: dpo.jsonl }",
                node: section.value, key: section.path)
        }
        var specs: [ExportSpec] = []
        for (index, item) in items.enumerated() {
            let path = "\(section.path)[\(index)]"
            var format: TrainingFormat?
            var file: String?
            var spec = ExportSpec(format: .trlDPO, file: "")
            for entry in try reader.entries(of: item, path: path, allowed: exportKeys) {
                switch entry.key {
                case "format": format = try exportFormat(entry, reader: reader)
                case "file": file = try reader.string(entry)
                case "split": spec.split = try exportSplit(entry, reader: reader)
                case "min_chars": spec.minChars = max(0, try reader.integer(entry))
                case "keep_equal": spec.keepEqual = try flag(entry, reader: reader)
                case "dedup_prompt": spec.dedupPrompt = try flag(entry, reader: reader)
                default: break
                }
            }
            guard let format, let file, !file.isEmpty else {
                throw reader.failure(.badValue, "an export needs a format and a file", node: item, key: path)
            }
            spec.format = format
            spec.file = file
            specs.append(spec)
        }
        return specs
    }

    private static func exportFormat(
        _ entry: YAMLEntry, reader: YAMLNodeReader
    ) throws(PipelineError) -> TrainingFormat {
        let value = try reader.string(entry)
        guard let format = TrainingFormat(rawValue: value) else {
            let valid = TrainingFormat.allCases.map(\.rawValue).joined(separator: ", ")
            let message = "unknown format \"\(value)\"; valid: \(valid)"
            throw reader.failure(.badValue, message, node: entry.value, key: entry.path)
        }
        return format
    }

    private static func exportSplit(_ entry: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Double {
        let value = try reader.number(entry)
        guard value > 0 && value < 1 else {
            throw reader.failure(
                .badValue, "must be between 0 and 1 (exclusive), got \(value)", node: entry.value, key: entry.path)
        }
        return value
    }

    static func flag(_ entry: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Bool {
        let text = try reader.scalarText(entry, expected: "true or false")
        switch text {
        case "true": return true
        case "false": return false
        default:
            throw reader.failure(.badValue, "must be true or false, got \(text)", node: entry.value, key: entry.path)
        }
    }

    /// The `exports` section as YAML lines (empty without exports).
    func renderedExports() -> [String] {
        guard !exports.isEmpty else { return [] }
        var lines = ["exports:"]
        for spec in exports {
            var fields = ["format: \(spec.format.rawValue)", "file: \(yamlQuoted(spec.file))"]
            if let split = spec.split { fields.append("split: \(split)") }
            if spec.minChars > 0 { fields.append("min_chars: \(spec.minChars)") }
            if spec.keepEqual { fields.append("keep_equal: true") }
            if spec.dedupPrompt { fields.append("dedup_prompt: true") }
            lines.append("  - { \(fields.joined(separator: ", ")) }")
        }
        return lines
    }
}
