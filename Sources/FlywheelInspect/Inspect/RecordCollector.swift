import FlywheelEngine
import FlywheelSignals

/// Adds signal record lines to an ``InspectData``, applying the options' filters.
///
/// Shared by a one-shot read and by `--follow`, which feeds it lines as they are appended.
struct RecordCollector {
    let options: InspectOptions
    var data: InspectData
    private var scanner = RecordScanner()
    /// Models and variants named by records of the wanted kinds, before the model, variant and time filters.
    private var modelsPresent: Set<String> = []
    private var variantsPresent: Set<String> = []
    /// Records whose numbers were rounded or clamped (see ``RecordScanner``).
    private var adjustedRecords = 0

    init(options: InspectOptions) {
        self.options = options
        self.data = InspectData(source: options.sourcePath)
    }

    /// Takes one line; false when it is not a signal record (or lacks a field its kind needs).
    /// `expected` names the kind a folder's file must hold; records of other kinds are then skipped.
    mutating func take(_ line: UnsafeRawBufferPointer, expected: RecordKind? = nil) -> Bool {
        guard let kind = scanner.scan(line) else { return false }
        if let expected, kind != expected { return true }
        guard options.wants(kind) else { return true }
        switch kind {
        case .modelQuality:
            guard let record = scanner.quality() else { return false }
            note(models: [record.model], variant: record.variant)
            guard options.keeps(model: record.model, variant: record.variant),
                options.keeps(windowStart: record.windowStart, windowEnd: record.windowEnd)
            else { return true }
            data.quality.append(record)
        case .qualityAlert:
            guard let alert = scanner.alert() else { return false }
            note(models: [alert.model], variant: alert.variant)
            guard options.keeps(model: alert.model, variant: alert.variant),
                options.keeps(windowStart: alert.windowStart, windowEnd: alert.windowEnd)
            else { return true }
            data.alerts.append(alert)
        case .preferencePair:
            guard let pair = scanner.pair() else { return false }
            note(models: [pair.chosenModel, pair.rejectedModel].filter { !$0.isEmpty }, variant: nil)
            let modelMatches =
                options.models.isEmpty || options.models.contains(pair.chosenModel)
                || options.models.contains(pair.rejectedModel)
            guard modelMatches, options.keeps(time: pair.timestamp) else { return true }
            data.pairs.append(pair)
        case .sftExample:
            data.sftLines.append(String(decoding: line, as: UTF8.self))
        case .conversationSummary:
            if let start = scanner.time(.sessionStart), !options.keeps(time: start) { return true }
            data.outcomes[scanner.string(.outcome) ?? "unknown", default: 0] += 1
        case .deadLetter:
            data.deadLetterReasons[scanner.string(.reason) ?? "unknown", default: 0] += 1
        case .lateEvent:
            if let time = scanner.time(.timestamp), !options.keeps(time: time) { return true }
            data.lateEventTypes[scanner.string(.type) ?? "unknown", default: 0] += 1
        }
        data.recordCounts[kind, default: 0] += 1
        return true
    }

    private mutating func note(models: [String], variant: String?) {
        modelsPresent.formUnion(models)
        if let variant { variantsPresent.insert(variant) }
        if scanner.adjusted { adjustedRecords += 1 }
    }

    /// Marks the kinds that were read but had no selected record, so they show as 0.
    mutating func noteRead(_ kind: RecordKind) {
        if data.recordCounts[kind] == nil { data.recordCounts[kind] = 0 }
    }

    /// The data with the quality groups computed.
    func finished() -> InspectData {
        var result = data
        result.groups = QualityGroup.build(result.quality)
        if options.filtersByModel && options.wants(.sftExample) && !result.sftLines.isEmpty {
            result.warnings.append("--model and --variant do not apply to SFT examples (they name no model)")
        }
        if adjustedRecords > 0 {
            result.warnings.append(
                "\(adjustedRecords) records hold numbers their fields cannot take (a fraction or a value beyond "
                    + "±9223372036854775807 in a count, a value beyond ±1e250 in a latency or rate): they were "
                    + "rounded toward zero and clamped, or left out when beyond a double (1e999)")
        }
        return result
    }

    /// Refuses a `--model` or `--variant` that no record of the wanted kinds names (most likely a typo), listing
    /// the ones the source holds. Kinds without models (SFT examples, sessions, side outputs) cannot tell.
    func checkFilterValues() throws(InspectError) {
        let modelKinds: [RecordKind] = [.modelQuality, .qualityAlert, .preferencePair]
        if modelKinds.contains(where: options.wants) {
            try Self.check("--model", options.models, present: modelsPresent, kinds: modelKinds)
        }
        let variantKinds: [RecordKind] = [.modelQuality, .qualityAlert]
        if variantKinds.contains(where: options.wants) {
            try Self.check("--variant", options.variants, present: variantsPresent, kinds: variantKinds)
        }
    }

    private static func check(
        _ flag: String, _ wanted: Set<String>, present: Set<String>, kinds: [RecordKind]
    ) throws(InspectError) {
        guard let missing = wanted.sorted().first(where: { !present.contains($0) }) else { return }
        let what = flag == "--model" ? "models" : "variants"
        throw InspectError(
            .invalidOption,
            "\(flag) \(missing): no \(kinds.map(\.name).joined(separator: ", ")) record names it; \(what) present: "
                + (present.isEmpty ? "none" : present.sorted().joined(separator: ", ")))
    }
}
