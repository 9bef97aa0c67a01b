import FlywheelConnectors
import Foundation
import Synchronization

/// The signal records of an embedded-log topic, read through a read-only view of every partition: no lock is
/// taken and nothing is repaired, so it reads beside a writer in another process.
///
/// ``readNew(_:)`` hands out the records from where the previous call stopped (at first: each partition's log
/// start) up to the partitions' high watermarks, merged into one sequence. The merge keeps each partition's
/// offset order and interleaves partitions by record timestamp: a record's sort key is the largest timestamp
/// of its partition so far (never decreasing within a partition), ties go to the lower partition, then the
/// lower offset. Records produced in order therefore come out in that order however they were spread over
/// partitions, and a kind keyed to one partition (as the replay's topic sink writes) keeps its file order.
final class TopicRecords {
    /// Where a record is stored.
    struct Position {
        var partition: Int
        var offset: Int64
    }

    /// One record of a read, its value at `start..<start + count` in the read's byte store.
    private struct Entry {
        var key: Int64
        var partition: Int
        var offset: Int64
        var start: Int
        var count: Int
    }

    let name: String
    let dataDirectory: String
    private let log: TopicLog
    private let logWarnings: LogWarnings
    /// Per partition: the offset to read next.
    private var next: [Int64]
    /// Per partition: the largest timestamp handed out so far (the merge key of its next record is at least this).
    private var newest: [Int64]

    /// Opens topic `name` of the data folder `dataDirectory` read-only.
    init(name: String, dataDirectory: String) throws(InspectError) {
        self.name = name
        self.dataDirectory = dataDirectory
        let logWarnings = LogWarnings()
        var access = PartitionLogOptions()
        access.readOnly = true
        access.warn = { message in logWarnings.append(message) }
        do throws(LogError) {
            log = try EmbeddedLog(directory: dataDirectory).open(name, access: access)
        } catch {
            throw Self.openError(error, name: name, dataDirectory: dataDirectory)
        }
        self.logWarnings = logWarnings
        next = log.partitions.map(\.logStartOffset)
        newest = log.partitions.map { _ in Int64.min }
    }

    /// "topic 'NAME' in DIR", for messages.
    var label: String { "topic '\(name)' in \(dataDirectory)" }

    /// The topic folder.
    var directory: String { log.directory }

    /// Picks up what writers appended since the last call (see `PartitionLog.refresh()`).
    func refresh() throws(InspectError) {
        for partition in log.partitions {
            do throws(LogError) {
                _ = try partition.refresh()
            } catch {
                throw InspectError(.readFailed, "cannot read \(label): \(error.message)", cause: error)
            }
        }
    }

    /// The messages the log reported while opening (e.g. a damaged segment), each once.
    func takeWarnings() -> [String] { logWarnings.take().map { "\(label): \($0)" } }

    /// Calls `body` with the value of each record not handed out before, below the current high watermarks, in
    /// merged order; returns how many records there were.
    @discardableResult
    func readNew(_ body: (UnsafeRawBufferPointer, Position) throws(InspectError) -> Void) throws(InspectError) -> Int {
        var store: [UInt8] = []
        var entries: [Entry] = []
        for partition in log.partitions.indices {
            try read(partition, into: &store, &entries)
        }
        // Invariant: keys never decrease within a partition, so this order keeps every partition's offset order.
        entries.sort { ($0.key, $0.partition, $0.offset) < ($1.key, $1.partition, $1.offset) }
        var failure: InspectError?
        store.withUnsafeBytes { bytes in
            for entry in entries {
                let value = UnsafeRawBufferPointer(rebasing: bytes[entry.start..<entry.start + entry.count])
                do throws(InspectError) {
                    try body(value, Position(partition: entry.partition, offset: entry.offset))
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
        return entries.count
    }

    /// Copies partition `partition`'s records from its read position to its high watermark into the store.
    private func read(_ partition: Int, into store: inout [UInt8], _ entries: inout [Entry]) throws(InspectError) {
        let partitionLog = log.partitions[partition]
        let end = partitionLog.highWatermark
        var from = max(next[partition], partitionLog.logStartOffset)
        var key = newest[partition]
        do throws(LogError) {
            while from < end {
                let after = try partitionLog.forEachRecord(from: from, maxRecords: Int(end - from)) { record in
                    key = max(key, record.timestamp)
                    entries.append(
                        Entry(
                            key: key, partition: partition, offset: record.offset, start: store.count,
                            count: record.value.count))
                    store.append(contentsOf: record.value)
                }
                guard after > from else { break }
                from = after
            }
        } catch {
            throw InspectError(
                .readFailed, "cannot read \(label), partition \(partition): \(error.message)", cause: error)
        }
        next[partition] = from
        newest[partition] = key
    }

    /// The message for a topic that cannot be opened: a missing one names the folder and lists its topics.
    private static func openError(_ error: LogError, name: String, dataDirectory: String) -> InspectError {
        switch error.code {
        case .topicNotFound:
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dataDirectory, isDirectory: &isDirectory),
                isDirectory.boolValue
            else {
                return InspectError(
                    .sourceNotFound,
                    "topic '\(name)' not found: no data folder \(dataDirectory) "
                        + "(expected the --data folder of flywheel topic create)")
            }
            let names = EmbeddedLog(directory: dataDirectory).topicEntries().map(\.name)
            let there = names.isEmpty ? "it holds no topics" : "topics there: \(names.joined(separator: ", "))"
            return InspectError(
                .sourceNotFound, "topic '\(name)' not found in \(dataDirectory); \(there)", cause: error)
        case .invalidArgument:
            return InspectError(.invalidOption, "\(ReplaySource.topicPrefix)\(name): \(error.message)", cause: error)
        default:
            return InspectError(
                .readFailed, "cannot read topic '\(name)' in \(dataDirectory): \(error.message)", cause: error)
        }
    }
}

/// Collects the log's warnings (it reports them from the thread that opens a partition).
private final class LogWarnings: Sendable {
    // Mutex: `warn` is a @Sendable callback, so the messages are guarded even though reads are sequential.
    private let messages = Mutex<[String]>([])

    func append(_ message: String) { messages.withLock { $0.append(message) } }

    func take() -> [String] {
        messages.withLock { messages in
            defer { messages = [] }
            return messages
        }
    }
}
