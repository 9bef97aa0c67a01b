import Foundation

/// One source partition of a replay: an input file, or one partition of an embedded-log topic.
public enum ReplaySource: Sendable, Equatable {
    case file(path: String)
    case topicPartition(topic: String, partition: Int, directory: String)

    /// The name dead letters and late events give as their `source`: the path, or `topic/partition`.
    public var name: String {
        switch self {
        case .file(let path): return path
        case .topicPartition(let topic, let partition, _): return "\(topic)/\(partition)"
        }
    }

    /// What an input or source argument starts with to name a topic of the embedded log.
    public static let topicPrefix = "topic:"

    /// NAME when `argument` is `topic:NAME`, else nil (a file).
    public static func topicName(of argument: String) -> String? {
        argument.hasPrefix(topicPrefix) ? String(argument.dropFirst(topicPrefix.count)) : nil
    }

    /// Expands the replay's inputs: `topic:NAME` stands for every partition of topic NAME in the
    /// `--data` folder; anything else is a file.
    public static func resolve(inputs: [String], dataDir: String?) throws(ConnectorError) -> [ReplaySource] {
        var sources: [ReplaySource] = []
        for input in inputs {
            guard let name = topicName(of: input) else {
                sources.append(.file(path: input))
                continue
            }
            guard let dataDir else {
                throw ConnectorError(.inputNotFound, "input \(input) is a topic: pass the log folder with --data DIR")
            }
            let topic: Topic
            do {
                topic = try EmbeddedLog(directory: dataDir).topic(named: name)
            } catch {
                throw ConnectorError(.inputNotFound, "\(error.message)", cause: error)
            }
            let folder = (dataDir as NSString).appendingPathComponent(name)
            for partition in 0..<topic.partitions {
                let directory = (folder as NSString).appendingPathComponent(String(partition))
                sources.append(.topicPartition(topic: name, partition: partition, directory: directory))
            }
        }
        return sources
    }
}
