import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// Writes output records to embedded-log topics: one topic for every kind (records keyed by their
/// kind, so each kind keeps its release order within one partition), or one topic per kind.
///
/// Exactly once with checkpoints: the checkpoint state is every partition's high watermark after
/// the records staged so far were appended; a resume cuts each partition back to it (before the
/// first checkpoint: to where the job found it, recorded in the checkpoint folder), and the job
/// produces the records after it again. Records are appended as a checkpoint is taken, at the end,
/// and, with `appendsOnFlush` (a live job), whenever the linger passes: readers may then see
/// records that a crash takes back and the resumed job appends again.
// @unchecked Sendable: the sink task calls it, one call at a time.
public final class TopicSink: Sink, @unchecked Sendable {
    /// The topics written, and per `RecordKind` the topic (index into `logs`), partition and key.
    let logs: [TopicLog]
    private let routes: [(log: Int, partition: Int, key: [UInt8])?]
    private var staged: [[LogBatch]]
    private let store: CheckpointStore?
    /// Where the start offsets are kept in the checkpoint folder.
    private let startKey: String
    private let appendsOnFlush: Bool
    private let flushBytes: Int

    /// `topics[i]` receives the kinds `kinds[i]`. `create`: a missing topic is created (one partition).
    public init(
        dataDir: String, topics: [(name: String, kinds: [RecordKind])], create: Bool, store: CheckpointStore?,
        startKey: String = "topic-start", appendsOnFlush: Bool = false, flushBytes: Int = 1 << 20
    ) throws(ConnectorError) {
        let log = EmbeddedLog(directory: dataDir)
        var logs: [TopicLog] = []
        var routes: [(log: Int, partition: Int, key: [UInt8])?] = RecordKind.allCases.map { _ in nil }
        do {
            for (index, target) in topics.enumerated() {
                if create, (try? log.topic(named: target.name)) == nil {
                    _ = try log.createTopic(Topic(name: target.name, partitions: 1))
                }
                let opened = try log.open(target.name)
                logs.append(opened)
                for kind in target.kinds {
                    routes[kind.rawValue] = (index, opened.partition(forKey: kind.name), Array(kind.name.utf8))
                }
            }
        } catch {
            logs.forEach { try? $0.close() }
            throw ConnectorError(error.code, "output topic: \(error.message)", cause: error)
        }
        self.logs = logs
        self.routes = routes
        staged = logs.map { $0.partitions.map { _ in LogBatch() } }
        self.store = store
        self.startKey = startKey
        self.appendsOnFlush = appendsOnFlush
        self.flushBytes = flushBytes
    }

    public func restore(_ state: [UInt8]?) async throws {
        guard let store else { return }
        if let state {
            try cut(to: try Self.decode(state))
        } else if let start = store.readOffsets(startKey) {
            try cut(to: start)
        } else {
            try store.writeOffsets(startKey, highWatermarks)
        }
    }

    private var highWatermarks: [Int64] { logs.flatMap { $0.partitions.map(\.highWatermark) } }

    private func cut(to committed: [Int64]) throws(ConnectorError) {
        let partitions = logs.flatMap(\.partitions)
        guard committed.count == partitions.count else {
            throw ConnectorError(
                .writeFailed,
                "output topics have \(partitions.count) partitions, the checkpoint \(committed.count): "
                    + "a sink's topics cannot change under a job")
        }
        do {
            for (partition, offset) in zip(partitions, committed) { try partition.truncate(after: offset - 1) }
        } catch {
            throw ConnectorError(.writeFailed, "cannot cut back the output topic: \(error.message)", cause: error)
        }
    }

    public func write(_ records: [SignalRecord]) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for record in records {
            guard let route = routes[record.kind.rawValue] else { continue }
            record.line.withUnsafeBytes { bytes in
                let value = UnsafeRawBufferPointer(rebasing: bytes.dropLast())  // without the "\n"
                route.key.withUnsafeBytes { key in
                    staged[route.log][route.partition].append(key: key, value: value, timestamp: now)
                }
            }
            // Without checkpoints nothing is ever cut back: memory need not hold more than a buffer.
            if store == nil && staged[route.log][route.partition].byteCount >= flushBytes { try append() }
        }
    }

    public func flush() async throws {
        if appendsOnFlush || store == nil { try append() }
    }

    public func snapshot(checkpoint: Int64, closing: Bool) async throws -> [UInt8] {
        try append()
        do {
            for log in logs { for partition in log.partitions { try partition.sync() } }
        } catch {
            throw ConnectorError(.writeFailed, "cannot sync the output topic: \(error.message)", cause: error)
        }
        var writer = StateWriter()
        writer.write(UInt8(1))
        writer.write(highWatermarks) { $0.write($1) }
        return writer.bytes
    }

    public func close(_ end: JobEnd) async throws {
        defer { logs.forEach { try? $0.close() } }
        if case .finished = end { try append() }
    }

    /// Appends what is staged.
    private func append() throws(ConnectorError) {
        do {
            for log in staged.indices {
                for partition in staged[log].indices where !staged[log][partition].isEmpty {
                    _ = try logs[log].partitions[partition].append(&staged[log][partition])
                }
            }
        } catch {
            throw ConnectorError(.writeFailed, "cannot append to the output topic: \(error.message)", cause: error)
        }
    }

    static func decode(_ bytes: [UInt8]) throws -> [Int64] {
        var reader = StateReader(bytes)
        guard try reader.readByte() == 1 else { throw CheckpointError(.versionMismatch, "unknown topic sink state") }
        return try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in try reader.readInt64() }
    }
}
