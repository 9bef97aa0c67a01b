import FlywheelEngine
import FlywheelRuntime
import Foundation

/// Every partition of an embedded-log topic. Bounded (a replay): each partition up to the high
/// watermark it had when opened. Live: partitions are read as records are appended, from the
/// earliest or the latest offset on a first run, from the checkpoint after.
///
/// Its checkpoint state is, per partition, the offset of the next record to read.
public final class TopicSource: Source, Sendable {
    /// Where a live topic source starts when no checkpoint says.
    public enum Start: Sendable {
        case earliest, latest
    }

    public let topic: String
    let dataDir: String
    let live: Start?
    public let partitionCount: Int
    /// The topic as this process appends to it (`flywheel serve`'s ingest), read live without a second open.
    let writer: TopicLog?

    /// Topic `topic` of the log in `dataDir`; `live` nil: bounded. `writer`: the topic open for appending in
    /// this process; a live source reads its partitions up to what was synced, with no scan of the files for
    /// what was added (the writer knows) and no second copy of the segment files' descriptors.
    public init(dataDir: String, topic: String, live: Start? = nil, writer: TopicLog? = nil) throws(ConnectorError) {
        self.topic = topic
        self.dataDir = dataDir
        self.live = live
        self.writer = writer
        if let writer {
            partitionCount = writer.partitions.count
            return
        }
        do {
            partitionCount = try EmbeddedLog(directory: dataDir).topic(named: topic).partitions
        } catch {
            throw ConnectorError(error.code, error.message, cause: error)
        }
    }

    public var isBounded: Bool { live == nil }
    public func name(ofPartition partition: Int) -> String { "\(topic)/\(partition)" }

    func directory(of partition: Int) -> String {
        ((dataDir as NSString).appendingPathComponent(topic) as NSString).appendingPathComponent(String(partition))
    }

    public func open(restoring state: [UInt8]?, decoding: DecodeOptions) throws -> [any SourcePartition] {
        let offsets = try state.map(Self.decode)
        if let offsets, offsets.count != partitionCount {
            throw ConnectorError(
                .checkpointMismatch,
                "topic \(topic) has \(partitionCount) partitions, the checkpoint read \(offsets.count): "
                    + "a topic's partitions cannot change under a job; start it with a new --data folder")
        }
        return try (0..<partitionCount).map { partition throws -> any SourcePartition in
            let position = offsets.map { InputPosition(offset: $0[partition], line: $0[partition] - 1) }
            if let live {
                return try LiveTopicPartition(
                    directory: directory(of: partition), partition: partition, next: position?.offset, start: live,
                    decoding: decoding, writer: writer?.partitions[partition])
            }
            let reader = try InputReader(
                .topicPartition(topic: topic, partition: partition, directory: directory(of: partition)),
                partition: partition, maxEventBytes: decoding.maxEventBytes, countsPII: decoding.countsPII,
                position: position ?? InputPosition(), pool: decoding.pool)
            return ReaderPartition(reader)
        }
    }

    public func state(at positions: [InputPosition]) -> [UInt8] {
        var writer = StateWriter()
        writer.write(UInt8(1))
        writer.write(positions) { $0.write($1.offset) }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> [Int64] {
        var reader = StateReader(bytes)
        guard try reader.readByte() == 1 else { throw CheckpointError(.versionMismatch, "unknown topic source state") }
        return try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in try reader.readInt64() }
    }
}

/// One partition of a topic read live: each read takes what was appended since, up to `maxLines`.
// @unchecked Sendable: one pump reads it at a time.
final class LiveTopicPartition: SourcePartition, @unchecked Sendable {
    private let log: PartitionLog
    /// The log is this process's writer: it is read up to its durable offset, and not closed here.
    private let shared: Bool
    private let directory: String
    private var decoder: LineDecoder
    private var next: Int64
    private var end: Int64

    init(
        directory: String, partition: Int, next: Int64?, start: TopicSource.Start, decoding: DecodeOptions,
        writer: PartitionLog? = nil
    ) throws(ConnectorError) {
        self.directory = directory
        decoder = LineDecoder(partition: partition, decoding: decoding)
        if let writer {
            log = writer
            shared = true
        } else {
            var options = PartitionLogOptions()
            options.readOnly = true
            do {
                log = try PartitionLog(directory: directory, options: options)
            } catch {
                throw ConnectorError(.readFailed, "cannot read \(directory): \(error.message)", cause: error)
            }
            shared = false
        }
        end = shared ? log.durableOffset : log.highWatermark
        self.next = next ?? (start == .earliest ? log.logStartOffset : end)
        if self.next > end {
            throw ConnectorError(
                .checkpointMismatch,
                "\(directory) ends at offset \(end) but the checkpoint read up to \(self.next): the topic was "
                    + "replaced; start the job with a new --data folder")
        }
    }

    func read(maxLines: Int, _ body: (consuming InputLine) -> Void) throws -> ReadStatus {
        if next >= end {
            do { end = shared ? log.durableOffset : try log.refresh() } catch {
                throw ConnectorError(.readFailed, "cannot read \(directory): \(error.message)", cause: error)
            }
            if next >= end { return .caughtUp }
        }
        if next < log.logStartOffset {
            throw ConnectorError(
                .offsetOutOfRange,
                "records \(next)..<\(log.logStartOffset) of \(directory) were removed by retention before they "
                    + "were read: raise the topic's retention, or keep the job running")
        }
        do throws(LogError) {
            let after = try log.forEachRecord(
                from: next, maxBytes: 256 << 10, maxRecords: min(maxLines, Int(end - next))
            ) { view in
                body(decoder.decode(view.value, position: view.offset, endOffset: view.offset + 1))
            }
            guard after > next else { throw LogError(.corrupt, "no record readable at offset \(next)") }
            next = after
        } catch {
            throw ConnectorError(.readFailed, "cannot read \(directory): \(error.message)", cause: error)
        }
        return .more
    }

    func close() { if !shared { try? log.close() } }
}
