import FlywheelSignals

extension InspectLoader {
    /// Reads signal records handed over kind by kind, each kind's in release order (as a running service's read
    /// API gives them), exactly as the committed files of a live folder sink are read: the options' filters,
    /// no counters (`countersNote` says why), and every wanted kind counted (0 when it has no record).
    ///
    /// `records(kind)` is asked once for each wanted kind; a line that is not a record of that kind is a
    /// ``InspectError/Code/badRecord`` error naming `label`, the kind and the record's number. Without any
    /// record at all (and no `--kind`) it is an ``InspectError/Code/emptyTopic`` error saying `label` has none yet.
    public static func load(
        _ options: InspectOptions, label: String, countersNote: String,
        records: (RecordKind) throws(InspectError) -> [[UInt8]]
    ) throws(InspectError) -> InspectData {
        try options.validate()
        var collector = RecordCollector(options: options)
        collector.data.countersNote = countersNote
        var total = 0
        for kind in RecordKind.allCases where options.wants(kind) {
            for (index, line) in try records(kind).enumerated() {
                let taken = line.withUnsafeBytes { collector.take($0, expected: kind) }
                guard taken else {
                    throw InspectError(
                        .badRecord,
                        "\(label): \(kind.name) record \(index + 1) is not a signal record; expected one JSON object "
                            + "with a \"signal\" field and the fields its kind needs")
                }
                total += 1
            }
            collector.noteRead(kind)
        }
        guard total > 0 || !options.kinds.isEmpty else {
            throw InspectError(.emptyTopic, "\(label) has no committed records yet")
        }
        try collector.checkFilterValues()
        return collector.finished()
    }
}
