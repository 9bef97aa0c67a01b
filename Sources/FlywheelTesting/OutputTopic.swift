import FlywheelConnectors
import FlywheelSignals
import Foundation

/// Reads back what a replay wrote to an output topic, for comparison with its files.
public enum OutputTopic {
    /// The values of every record of `topic` in `data`, grouped by key (the record kind), each group in
    /// offset order. Opens the topic read-only.
    public static func recordsByKind(data: String, topic name: String) throws -> [String: [String]] {
        var options = PartitionLogOptions()
        options.readOnly = true
        let topic = try EmbeddedLog(directory: data).open(name, access: options)
        defer { try? topic.close() }
        var byKind: [String: [String]] = [:]
        for partition in topic.partitions {
            for record in try partition.read(from: 0, maxBytes: 1 << 30) {
                byKind[record.keyText ?? "", default: []].append(record.valueText)
            }
        }
        return byKind
    }

    /// Kinds whose topic records differ from the lines of their file in `folder`.
    public static func kindsDifferingFromFiles(_ byKind: [String: [String]], folder: String) throws -> [String] {
        try RecordKind.allCases.compactMap { kind in
            let file = try String(
                contentsOfFile: (folder as NSString).appendingPathComponent(kind.fileName), encoding: .utf8)
            return byKind[kind.name] ?? [] == file.split(separator: "\n").map(String.init) ? nil : kind.name
        }
    }
}
