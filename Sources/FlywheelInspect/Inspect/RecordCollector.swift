import FlywheelEngine
import FlywheelSignals

/// Adds signal record lines to an ``InspectData``, applying the options' filters.
///
/// Shared by a one-shot read and by `--follow`, which feeds it lines as they are appended.
struct RecordCollector {
    let options: InspectOptions
    var data: InspectData
    private var scanner = RecordScanner()

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
            guard options.keeps(model: record.model, variant: record.variant),
                options.keeps(windowStart: record.windowStart, windowEnd: record.windowEnd)
            else { return true }
            data.quality.append(record)
        case .qualityAlert:
            guard let alert = scanner.alert() else { return false }
            guard options.keeps(model: alert.model, variant: alert.variant),
                options.keeps(windowStart: alert.windowStart, windowEnd: alert.windowEnd)
            else { return true }
            data.alerts.append(alert)
        case .preferencePair:
            guard let pair = scanner.pair() else { return false }
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
        return result
    }
}
