import FlywheelSignals

/// What `flywheel export` reads, which records it keeps and where it writes them.
public struct ExportOptions: Sendable {
    public var format: TrainingFormat
    /// A replay output folder (the format's signal file is read from it) or one signal JSONL file
    /// (gzip is detected; "-" is standard input).
    public var sourcePath: String
    /// The training file; with `split` also the validation file next to it (see `validationPath`).
    public var outputPath: String
    /// Keep only pairs from these rules; empty keeps all. DPO formats only.
    public var sources: Set<PairSource>
    /// Keep only pairs whose chosen or rejected model is one of these; empty keeps all. DPO formats only.
    public var models: Set<String>
    /// Not supported by any format (the records carry no variant); a non-empty list is refused by `validate()`.
    public var variants: [String]
    /// Drop pairs whose chosen and rejected texts are equal. DPO formats only; default on.
    public var dropEqual: Bool
    /// Keep only the first record per prompt (for SFT: per first user message), in file order, after the
    /// other filters.
    public var dedupPrompt: Bool
    /// Fraction of conversations, in (0, 1), that go to the training file; the rest go to the validation
    /// file. nil writes everything to `outputPath`.
    public var split: Double?
    /// Drop records with any text (prompt, chosen, rejected, or any message) shorter than this many
    /// Unicode code points.
    public var minChars: Int
    /// openai-sft only: weight 0 on every assistant message but the last, weight 1 on the last.
    public var weightLastOnly: Bool
    /// Write texts as they are. By default every text of every format (prompts, chosen and rejected answers,
    /// messages) has its e-mail addresses and phone numbers replaced by `[EMAIL]` and `[PHONE]` (CONTRACT 3.4).
    public var keepPII: Bool

    public init(
        format: TrainingFormat, sourcePath: String, outputPath: String, sources: Set<PairSource> = [],
        models: Set<String> = [], variants: [String] = [], dropEqual: Bool = true, dedupPrompt: Bool = false,
        split: Double? = nil, minChars: Int = 0, weightLastOnly: Bool = false, keepPII: Bool = false
    ) {
        self.format = format
        self.sourcePath = sourcePath
        self.outputPath = outputPath
        self.sources = sources
        self.models = models
        self.variants = variants
        self.dropEqual = dropEqual
        self.dedupPrompt = dedupPrompt
        self.split = split
        self.minChars = minChars
        self.weightLastOnly = weightLastOnly
        self.keepPII = keepPII
    }

    /// Where the validation records go: `outputPath` with `.val` before its extension
    /// (`out/train.jsonl` -> `out/train.val.jsonl`, `data` -> `data.val`); nil without `split`.
    public var validationPath: String? {
        guard split != nil else { return nil }
        return Self.validationPath(for: outputPath)
    }

    /// `path` with `.val` inserted before the extension of its last component (appended when it has none).
    public static func validationPath(for path: String) -> String {
        let nameStart = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let name = path[nameStart...]
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return path + ".val" }
        return String(path[..<dot]) + ".val" + String(path[dot...])
    }

    /// Refuses flag values and combinations that cannot work, with a message naming the flag.
    public func validate() throws(ExportError) {
        let dpo = "the DPO formats (openai-dpo, trl-dpo)"
        if !variants.isEmpty {
            throw ExportError(
                .invalidOption,
                "--variant is not supported: preference_pair and sft_example records carry no variant; "
                    + "--source and --model filter \(dpo), --dedup-prompt and --min-chars filter every format")
        }
        if !format.takesPreferencePairs {
            if !sources.isEmpty {
                throw ExportError(
                    .invalidOption,
                    "--source applies only to \(dpo): sft_example records carry no source")
            }
            if !models.isEmpty {
                throw ExportError(
                    .invalidOption,
                    "--model applies only to \(dpo): sft_example records carry no model")
            }
        }
        if weightLastOnly && format != .openAISFT {
            throw ExportError(
                .invalidOption,
                "--weight-last-only applies only to --format openai-sft (the other formats have no per-message weight)")
        }
        if let split, !(split > 0 && split < 1) {
            throw ExportError(
                .invalidOption,
                "--split must be a fraction between 0 and 1 (exclusive), e.g. 0.9 for about 90 % of conversations "
                    + "in training; got \(split)")
        }
        if minChars < 0 { throw ExportError(.invalidOption, "--min-chars must be 0 or more, got \(minChars)") }
        if outputPath.isEmpty || outputPath == "-" {
            throw ExportError(.invalidOption, "--out must name a file, e.g. --out train.jsonl")
        }
    }
}

/// What an export read, dropped and wrote.
public struct ExportSummary: Sendable, Equatable {
    public var format: TrainingFormat
    /// The signal file actually read.
    public var inputPath: String
    /// Non-blank lines read.
    public var read = 0
    /// Records of another signal kind, skipped.
    public var otherSignal = 0
    /// Pairs dropped by `--source` or `--model`.
    public var filtered = 0
    /// Pairs whose chosen and rejected texts are equal.
    public var equalTexts = 0
    /// Records with a text shorter than `--min-chars`.
    public var tooShort = 0
    /// Records whose prompt was already kept (`--dedup-prompt`).
    public var duplicatePrompt = 0
    /// Texts of the written records in which e-mail addresses or phone numbers were replaced.
    public var redactedTexts = 0
    /// E-mail addresses and phone numbers replaced in them.
    public var piiReplaced = 0
    /// Whether texts were written as they are (`--keep-pii`).
    public var keptPII = false
    /// Lines written to the training file.
    public var train = 0
    /// Lines written to the validation file.
    public var validation = 0
    public var trainPath: String
    public var validationPath: String?

    public init(format: TrainingFormat, inputPath: String, trainPath: String, validationPath: String?) {
        self.format = format
        self.inputPath = inputPath
        self.trainPath = trainPath
        self.validationPath = validationPath
    }

    /// Records written, training plus validation.
    public var kept: Int { train + validation }

    /// The summary as printed by `flywheel export`.
    public var text: String {
        var dropped =
            "  dropped: filtered by source/model \(filtered)  equal texts \(equalTexts)  "
            + "too short \(tooShort)  duplicate prompt \(duplicatePrompt)"
        if otherSignal > 0 { dropped += "  other signal \(otherSignal)" }
        var lines = [
            "exported \(kept) of \(read) \(format.signal.rawValue) records from \(inputPath) as \(format.rawValue)",
            dropped,
            keptPII
                ? "  PII kept as it is (--keep-pii)"
                : "  PII redacted in \(redactedTexts) texts (\(piiReplaced) e-mail addresses and phone numbers)",
        ]
        if let validationPath {
            lines.append("  train \(train) -> \(trainPath)  validation \(validation) -> \(validationPath)")
        } else {
            lines.append("  wrote \(train) -> \(trainPath)")
        }
        return lines.joined(separator: "\n")
    }
}
