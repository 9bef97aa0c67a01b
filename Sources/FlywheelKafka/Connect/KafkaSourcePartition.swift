import CRdkafka
import FlywheelConnectors
import FlywheelRuntime

/// One (cluster, partition) of a kafka source, read from the partition's own librdkafka queue: librdkafka
/// fetches on threads of its own; a read takes what is there without waiting, decodes each record's value
/// in place (no copy), and returns `.caughtUp` when nothing is.
// @unchecked Sendable: one pump reads it at a time; the queue handle is thread-safe.
final class KafkaSourcePartition: SourcePartition, @unchecked Sendable {
    private let cluster: KafkaClusterReader
    private let queue: OpaquePointer
    private let name: String
    private var decoder: LineDecoder
    private var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private let capacity = 1024
    /// The offset of the next record to hand over (records before it are skipped, should one come twice).
    private var next: Int64
    private var closed = false
    /// Bounded: the partition ends once librdkafka reports its end (`enable.partition.eof`).
    private let bounded: Bool
    private var reachedEnd = false

    init(
        cluster: KafkaClusterReader, partition: Int32, index: Int, next: Int64, name: String, decoding: DecodeOptions,
        bounded: Bool = false
    ) throws(KafkaError) {
        self.bounded = bounded
        guard let queue = rd_kafka_queue_get_partition(cluster.consumer.client.pointer, cluster.topic, partition) else {
            throw KafkaError(.unknownPartition, "\(name): librdkafka has no queue for partition \(partition)")
        }
        // Records of this partition stay in its queue instead of the consumer's (librdkafka keeps an
        // application's forwarding when the partition is assigned later).
        rd_kafka_queue_forward(queue, nil)
        self.cluster = cluster
        self.queue = queue
        self.name = name
        self.next = next
        decoder = LineDecoder(partition: index, decoding: decoding)
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        close()
        buffer.deallocate()
    }

    func read(maxLines: Int, _ body: (consuming InputLine) -> Void) throws -> ReadStatus {
        if let fault = cluster.fault {
            throw ConnectorError(.readFailed, "\(name): \(fault.message)", cause: fault)
        }
        if reachedEnd { return .ended }
        // Bounded: wait a little for the partition's end, rather than spin.
        let wait: Int32 = bounded ? 100 : 0
        let count = rd_kafka_consume_batch_queue(queue, wait, buffer, min(max(1, maxLines), capacity))
        guard count > 0 else { return .caughtUp }
        var failure: ConnectorError?
        for index in 0..<count {
            guard let message = buffer[index] else { continue }
            defer { rd_kafka_message_destroy(message) }
            guard failure == nil else { continue }
            failure = take(message, body)
        }
        if let failure { throw failure }
        return .more
    }

    /// Hands the record to `body`; an error that ends the job, or nil.
    private func take(_ message: UnsafeMutablePointer<rd_kafka_message_t>, _ body: (consuming InputLine) -> Void)
        -> ConnectorError?
    {
        let record = message.pointee
        switch record.err {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            guard record.offset >= next || next < 0 else { return nil }
            next = record.offset + 1
            let value = UnsafeRawBufferPointer(start: record.payload, count: record.payload == nil ? 0 : record.len)
            body(decoder.decode(value, position: record.offset, endOffset: record.offset + 1))
            return nil
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            if bounded { reachedEnd = true }
            return nil
        case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
            return ConnectorError(
                .offsetOutOfRange,
                "\(name): offset \(next) is out of range: retention removed records before they were read; raise "
                    + "the topic's retention, or start the job with a new --data folder (or reset the group's offsets)")
        default:
            // Transient (the client retries); the control thread reports the cluster's reachability.
            return nil
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        rd_kafka_queue_destroy(queue)
        cluster.partitionClosed()
    }
}
