import CRdkafka
import Foundation
import Synchronization

/// An `rd_kafka_t` handle, destroyed with this object, and the queries every client type answers:
/// metadata and watermark offsets.
final class KafkaClient: @unchecked Sendable {  // librdkafka's handle is thread-safe; `pointer` never changes
    let pointer: OpaquePointer
    let configuration: KafkaConfiguration
    /// Kept alive for as long as the handle, whose callbacks receive it as their opaque pointer.
    private let callbacks: AnyObject?
    private let abandoned = Atomic<Bool>(false)

    /// Makes a client of `type` from `configuration` over `defaults`; `prepare` installs callbacks on
    /// the configuration, which will receive `callbacks` as their opaque pointer.
    init(
        _ type: rd_kafka_type_t, _ configuration: KafkaConfiguration, defaults: [String: String] = [:],
        callbacks: AnyObject? = nil, prepare: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        let conf = try configuration.makeConf(defaults: defaults)
        if let callbacks { rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque()) }
        prepare(conf)
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(
                .invalidArgument, "cannot make a Kafka client for \(configuration.bootstrap): \(cString(errstr))")
        }
        pointer = handle
        self.configuration = configuration
        self.callbacks = callbacks
    }

    deinit {
        guard abandoned.load(ordering: .relaxed) else {
            rd_kafka_destroy(pointer)
            return
        }
        // rd_kafka_destroy waits for the consumer group's termination, which a commit to a dead coordinator
        // can hold for as long as the coordinator stays away: the handle is destroyed on a thread of its own.
        let handle = AbandonedHandle(pointer: pointer, callbacks: callbacks)
        let thread = Thread { handle.destroy() }
        thread.name = "flywheel-kafka-abandoned"
        thread.start()
    }

    /// Marks the handle as one whose destruction may block for a long time (a consumer close that did not
    /// finish): `deinit` leaves it to a thread of its own instead of blocking its caller.
    func abandon() { abandoned.store(true, ordering: .relaxed) }

    /// Every topic of the cluster (asked of any broker), without creating any.
    func metadata(timeout: Duration) throws(KafkaError) -> [KafkaTopicMetadata] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let error = rd_kafka_metadata(pointer, 1, nil, &metadata, milliseconds(timeout))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(error, "cannot read the topic list of \(configuration.bootstrap) within \(timeout)")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        return (0..<Int(metadata.pointee.topic_cnt)).map { index in
            let topic = metadata.pointee.topics[index]
            let error = topic.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError.Code(topic.err)
            return KafkaTopicMetadata(
                name: String(cString: topic.topic), partitionCount: Int(topic.partition_cnt), error: error)
        }
    }

    /// The topic named `name`, or nil when the cluster has none.
    func topic(_ name: String, timeout: Duration) throws(KafkaError) -> KafkaTopicMetadata? {
        try metadata(timeout: timeout).first { $0.name == name && $0.error != .unknownTopicOrPartition }
    }

    /// The partition's low and high watermarks, asked of its leader (ListOffsets).
    func watermarks(topic: String, partition: Int32, timeout: Duration) throws(KafkaError) -> KafkaWatermarks {
        var low: Int64 = 0
        var high: Int64 = 0
        let error = rd_kafka_query_watermark_offsets(pointer, topic, partition, &low, &high, milliseconds(timeout))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(error, "cannot read the offsets of \(topic)[\(partition)] on \(configuration.bootstrap)")
        }
        return KafkaWatermarks(low: low, high: high)
    }
}

/// A handle destroyed off the caller's thread, with the callback state its threads may still use.
private struct AbandonedHandle: @unchecked Sendable {  // used by one thread only, after its owner is gone
    let pointer: OpaquePointer
    let callbacks: AnyObject?

    func destroy() {
        rd_kafka_destroy_flags(pointer, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)
        withExtendedLifetime(callbacks) {}
    }
}
