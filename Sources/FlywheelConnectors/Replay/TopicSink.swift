import FlywheelSignals
import Foundation

/// Writes every output record to an embedded-log topic, keyed by its kind (so each kind keeps its
/// file order within one partition).
///
/// With checkpoints, records are staged and appended only by `commit()`, when a checkpoint
/// completes, so after a crash the topic is cut back to the committed offsets and the records are
/// produced again: each record reaches the topic exactly once. Without checkpoints there is nothing to
/// cut back to, so a partition's staged records are appended once they pass `flushBytes`, and memory
/// does not grow with the output.
final class TopicSink {
    let log: TopicLog
    private var staged: [LogBatch]
    /// Whether records wait for `commit()` (a checkpoint store is in use).
    private var holdsUntilCommit = false
    private let flushBytes: Int
    /// Per `RecordKind`: its partition and its key (the kind's name), worked out once.
    private let partitions: [Int]
    private let keys: [[UInt8]]

    /// Opens topic `name` in `dataDir` for writing. With a checkpoint store, each partition is cut
    /// back to what the resumed checkpoint committed, or, before any checkpoint, to where the job
    /// found it (recorded in the store when the job starts).
    convenience init(
        dataDir: String, name: String, store: CheckpointStore?, resume: CheckpointData?, flushBytes: Int = 1 << 20
    ) throws(ConnectorError) {
        try self.init(dataDir: dataDir, name: name, flushBytes: flushBytes)
        guard let store else { return }
        holdsUntilCommit = true
        if let resume, !resume.topicOffsets.isEmpty {
            try cut(to: resume.topicOffsets)
        } else if let start = store.readOffsets("topic-start") {
            try cut(to: start)
        } else {
            try store.writeOffsets("topic-start", log.partitions.map(\.highWatermark))
        }
    }

    private func cut(to committed: [Int64]) throws(ConnectorError) {
        guard committed.count == log.partitions.count else {
            throw ConnectorError(
                .writeFailed, "output topic has \(log.partitions.count) partitions, the checkpoint \(committed.count)")
        }
        do {
            for (partition, offset) in zip(log.partitions, committed) { try partition.truncate(after: offset - 1) }
        } catch {
            throw ConnectorError(.writeFailed, "cannot cut back the output topic: \(error.message)", cause: error)
        }
    }

    /// `flushBytes`: without checkpoints, how many staged bytes of a partition are appended at once.
    init(dataDir: String, name: String, flushBytes: Int = 1 << 20) throws(ConnectorError) {
        self.flushBytes = flushBytes
        do {
            log = try EmbeddedLog(directory: dataDir).open(name)
        } catch {
            throw ConnectorError(error.code, "output topic: \(error.message)", cause: error)
        }
        staged = log.partitions.map { _ in LogBatch() }
        partitions = RecordKind.allCases.map { [log] in log.partition(forKey: $0.name) }
        keys = RecordKind.allCases.map { Array($0.name.utf8) }
    }

    func write(_ record: SignalRecord) throws(ConnectorError) {
        let partition = partitions[record.kind.rawValue]
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        record.line.withUnsafeBytes { bytes in
            let value = UnsafeRawBufferPointer(rebasing: bytes.dropLast())  // without the "\n"
            keys[record.kind.rawValue].withUnsafeBytes { key in
                staged[partition].append(key: key, value: value, timestamp: now)
            }
        }
        if !holdsUntilCommit && staged[partition].byteCount >= flushBytes { _ = try commit() }
    }

    /// Appends what is staged (fsynced) and returns each partition's high watermark.
    func commit() throws(ConnectorError) -> [Int64] {
        do {
            for index in staged.indices where !staged[index].isEmpty {
                _ = try log.partitions[index].append(&staged[index])
            }
            return log.partitions.map(\.highWatermark)
        } catch {
            throw ConnectorError(.writeFailed, "cannot append to the output topic: \(error.message)", cause: error)
        }
    }

    func close() { try? log.close() }
}
