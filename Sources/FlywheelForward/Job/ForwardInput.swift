import FlywheelConnectors
import FlywheelSignals

/// What `flywheel forward` reads: the partitions of a topic (of the embedded log, or of Kafka), each read
/// from an offset on. Used by one task at a time.
public protocol ForwardInput: AnyObject {
    /// The topic's name: for messages, idempotency keys (with each record's partition and offset) and the
    /// positions file.
    var topic: String { get }
    var partitionCount: Int { get }
    /// Where a partition starts on a first run: its oldest offset (`earliest`) or its end (`latest`).
    func startOffset(_ partition: Int, _ start: ForwardJobOptions.Start) throws -> Int64
    /// The offset after the partition's last record, as far as the input knows now.
    func end(_ partition: Int) throws -> Int64
    /// Hands `body` the records of `partition` available now from `offset` on (at most `max`), in order,
    /// and returns the offset to read next (`offset` when none was available). Does not wait long.
    func read(_ partition: Int, from offset: Int64, max: Int, _ body: (ForwardItem) -> Void) throws -> Int64
    /// Reading starts at `offsets` (one per partition), before the first `read`.
    func begin(at offsets: [Int64]) throws
    /// After positions are committed to the positions file: inputs with a consumer group of their own
    /// (Kafka) commit them there too, for lag monitoring.
    func committed(_ offsets: [Int64])
    func close()
}

extension ForwardInput {
    public func begin(at offsets: [Int64]) throws {}
    public func committed(_ offsets: [Int64]) {}
}

/// A topic of the embedded log, read-only (a producer may append to it meanwhile).
public final class EmbeddedTopicInput: ForwardInput {
    public let topic: String
    private let log: TopicLog

    public init(dataDir: String, topic: String) throws(ConnectorError) {
        var access = PartitionLogOptions()
        access.readOnly = true
        do {
            log = try EmbeddedLog(directory: dataDir).open(topic, access: access)
        } catch {
            throw ConnectorError(
                error.code,
                "cannot open topic \(topic) in \(dataDir): \(error.message) (flywheel topic list --data \(dataDir) "
                    + "lists the topics)", cause: error)
        }
        self.topic = topic
    }

    public var partitionCount: Int { log.partitions.count }

    public func startOffset(_ partition: Int, _ start: ForwardJobOptions.Start) throws -> Int64 {
        start == .earliest ? log.partitions[partition].logStartOffset : log.partitions[partition].highWatermark
    }

    public func end(_ partition: Int) throws -> Int64 {
        do { return try log.partitions[partition].refresh() } catch {
            throw ConnectorError(.readFailed, "cannot read topic \(topic): \(error.message)", cause: error)
        }
    }

    public func read(_ partition: Int, from offset: Int64, max: Int, _ body: (ForwardItem) -> Void) throws -> Int64 {
        let log = log.partitions[partition]
        if offset < log.logStartOffset {
            throw ConnectorError(
                .offsetOutOfRange,
                "records \(offset)..<\(log.logStartOffset) of \(topic) were removed by retention before they were "
                    + "forwarded: raise the topic's retention")
        }
        do {
            return try log.forEachRecord(from: offset, maxBytes: 1 << 20, maxRecords: max) { view in
                body(ForwardItem(value: Array(view.value), partition: Int32(partition), position: view.offset))
            }
        } catch {
            throw ConnectorError(.readFailed, "cannot read topic \(topic): \(error.message)", cause: error)
        }
    }

    public func close() { try? log.close() }
}
