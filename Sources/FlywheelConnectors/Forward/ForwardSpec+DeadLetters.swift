import FlywheelSignals
import Foundation

extension ForwardSpec.DeadLetters {
    /// Reads a dead-letter queue named on the command line (`flag`, e.g. `--dlq`): `topic:NAME` for a topic of
    /// the data folder, anything else for a folder (`folder:PATH` also works, for a folder whose name starts
    /// with `topic:`).
    public static func parse(argument text: String, flag: String) throws(ConnectorError) -> Self {
        if text.hasPrefix("topic:") {
            let name = String(text.dropFirst("topic:".count))
            do throws(LogError) {
                try Topic.validate(name: name)
            } catch {
                throw ConnectorError(.invalidOption, "\(flag) '\(text)': \(error.message)")
            }
            return .topic(name)
        }
        let path = text.hasPrefix("folder:") ? String(text.dropFirst("folder:".count)) : text
        guard !path.isEmpty else {
            throw ConnectorError(
                .invalidOption, "\(flag) is empty: give topic:NAME (a topic of --data) or the path of a folder")
        }
        return .folder(path)
    }

    /// Opens the queue for writing: a topic of the data folder `dataDir` (created with one partition when
    /// missing), or a folder (relative to `dataDir` unless absolute; created when missing).
    public func openWriter(dataDir: String) throws(ConnectorError) -> any DeadLetterWriter {
        switch self {
        case .topic(let name): try TopicDeadLetters(dataDir: dataDir, topic: name, create: true)
        case .folder: try FolderDeadLetters(path: folderPath(dataDir: dataDir))
        }
    }

    /// Where the queue is on disk: a folder queue's path (relative to `dataDir` unless absolute), a topic's
    /// folder in `dataDir`.
    public func folderPath(dataDir: String) -> String {
        switch self {
        case .topic(let name): (dataDir as NSString).appendingPathComponent(name)
        case .folder(let path): path.hasPrefix("/") ? path : (dataDir as NSString).appendingPathComponent(path)
        }
    }

    /// The default queue of a forwarder reading topic `source`: topic `<source>.dlq`.
    public static func defaultQueue(forTopic source: String) -> Self { .topic(source + ".dlq") }

    /// The form `parse(argument:flag:)` reads back: `topic:NAME` or the folder's path.
    public var argument: String {
        switch self {
        case .topic(let name): "topic:\(name)"
        case .folder(let path): path.hasPrefix("topic:") ? "folder:\(path)" : path
        }
    }
}
