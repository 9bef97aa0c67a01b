import CRdkafka
import Synchronization

/// Writes records to Kafka through librdkafka: idempotent by default (`enable.idempotence=true`, so
/// retries neither duplicate nor reorder a partition's records), batched and compressed by librdkafka.
///
/// `send` queues a record and returns; its delivery report arrives later and is counted. `flush`
/// waits for every queued record and throws if any of them failed since the previous `flush`: a
/// record is delivered or reported, never dropped silently. Thread-safe: any thread may `send`.
public final class KafkaProducer: Sendable {
    let client: KafkaClient
    let reports: DeliveryReports

    /// A producer over `configuration` (at least `bootstrap.servers`); properties override the defaults.
    public init(_ configuration: KafkaConfiguration) throws(KafkaError) {
        let reports = DeliveryReports()
        reports.bootstrap = configuration.bootstrap
        client = try KafkaClient(
            RD_KAFKA_PRODUCER, configuration, defaults: ["enable.idempotence": "true"], callbacks: reports
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
            rd_kafka_conf_set_error_cb(conf, producerErrorCallback)
        }
        self.reports = reports
    }

    /// Queues one record for `topic`. Without `partition`, librdkafka's partitioner picks it from the
    /// key (`partitioner`, default `consistent_random`: one key, one partition; no key, any). When the
    /// local queue is full, waits for deliveries to make room (backpressure) instead of failing.
    public func send(
        topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = [], partition: Int32? = nil,
        timestamp: Int64? = nil
    ) throws(KafkaError) {
        while true {
            let error = produce(topic, key, value, headers, partition ?? -1, timestamp ?? 0)
            guard let error else { break }
            let code = KafkaError.Code(rd_kafka_error_code(error))
            guard code == .queueFull else {
                throw KafkaError(consuming: error, "cannot send a record to topic '\(topic)'")
            }
            rd_kafka_error_destroy(error)
            rd_kafka_poll(client.pointer, 100)
        }
        rd_kafka_poll(client.pointer, 0)
    }

    /// Waits until every queued record is delivered or failed, at most `timeout`. Throws when a record
    /// failed since the previous `flush` (naming how many, the first failure's topic, partition and
    /// reason) or when records are still in flight at the timeout.
    public func flush(timeout: Duration) throws(KafkaError) {
        let result = rd_kafka_flush(client.pointer, milliseconds(timeout))
        if let failure = reports.takeFailures() { throw failure }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            let pending = rd_kafka_outq_len(client.pointer)
            var message =
                "\(pending) records to \(client.configuration.bootstrap) were still in flight after \(timeout)"
            if let last = reports.lastClientError { message += " (last client error: \(last))" }
            throw KafkaError(.timedOut, message + "; they are delivered or reported by a later flush")
        }
    }

    /// Records delivered and failed since the producer was made.
    public var deliveries: (delivered: Int, failed: Int) { reports.totals }

    /// Every topic of the cluster.
    public func metadata(timeout: Duration) throws(KafkaError) -> [KafkaTopicMetadata] {
        try client.metadata(timeout: timeout)
    }

    private func produce(
        _ topic: String, _ key: [UInt8]?, _ value: [UInt8], _ headers: [KafkaHeader], _ partition: Int32,
        _ timestamp: Int64
    ) -> OpaquePointer? {
        let headerList = headers.isEmpty ? nil : KafkaHeaders.make(headers)
        var fields = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 7)
        let error: OpaquePointer? = topic.withCString { topicName in
            value.withUnsafeBytes { valueBytes in
                (key ?? []).withUnsafeBytes { keyBytes in
                    fields[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    fields[0].u.cstr = topicName
                    fields[1].vtype = RD_KAFKA_VTYPE_PARTITION
                    fields[1].u.i32 = partition
                    fields[2].vtype = RD_KAFKA_VTYPE_VALUE
                    fields[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress)
                    fields[2].u.mem.size = valueBytes.count
                    fields[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    fields[3].u.i = 0x2  // RD_KAFKA_MSG_F_COPY: librdkafka copies key and value
                    fields[4].vtype = RD_KAFKA_VTYPE_TIMESTAMP
                    fields[4].u.i64 = timestamp
                    var count = 5
                    if let key {
                        fields[count].vtype = RD_KAFKA_VTYPE_KEY
                        fields[count].u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                        fields[count].u.mem.size = key.count
                        count += 1
                    }
                    if let headerList {
                        fields[count].vtype = RD_KAFKA_VTYPE_HEADERS
                        fields[count].u.headers = headerList
                        count += 1
                    }
                    return rd_kafka_produceva(client.pointer, fields, count)
                }
            }
        }
        // librdkafka owns the headers only when the record was queued.
        if error != nil, let headerList { rd_kafka_headers_destroy(headerList) }
        return error
    }
}

/// Delivery reports of one producer, counted by librdkafka's callback thread (the caller of poll/flush).
final class DeliveryReports: @unchecked Sendable {  // `state` is a Mutex; `bootstrap` is set before the client exists
    struct State {
        var delivered = 0
        var failed = 0
        var failedSinceFlush = 0
        var firstFailure: KafkaError?
        var lastClientError: String?
    }

    let state = Mutex(State())
    var bootstrap = ""

    var totals: (delivered: Int, failed: Int) { state.withLock { ($0.delivered, $0.failed) } }
    var lastClientError: String? { state.withLock { $0.lastClientError } }

    func record(_ message: UnsafePointer<rd_kafka_message_t>) {
        let error = message.pointee.err
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else {
            state.withLock { $0.delivered += 1 }
            return
        }
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        let failure = KafkaError(error, "record to \(topic)[\(message.pointee.partition)] not delivered")
        state.withLock {
            $0.failed += 1
            $0.failedSinceFlush += 1
            if $0.firstFailure == nil { $0.firstFailure = failure }
        }
    }

    /// The failures since the last call, as one error, and forgets them.
    func takeFailures() -> KafkaError? {
        state.withLock { state -> KafkaError? in
            guard state.failedSinceFlush > 0, let first = state.firstFailure else { return nil }
            defer {
                state.failedSinceFlush = 0
                state.firstFailure = nil
            }
            return KafkaError(
                first.code,
                "\(state.failedSinceFlush) records to \(bootstrap) were not delivered; the first: \(first.message)")
        }
    }
}

private let deliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, opaque in
        guard let message, let opaque else { return }
        Unmanaged<DeliveryReports>.fromOpaque(opaque).takeUnretainedValue().record(message)
    }

private let producerErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        _, code, reason, opaque in
        guard let opaque else { return }
        let text = "\(KafkaError.Code(rawValue: code).name): \(reason.map { String(cString: $0) } ?? "")"
        Unmanaged<DeliveryReports>.fromOpaque(opaque).takeUnretainedValue().state.withLock {
            $0.lastClientError = text
        }
    }
