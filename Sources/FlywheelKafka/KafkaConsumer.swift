import CRdkafka
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads records from Kafka through librdkafka, in batches, on the caller's thread.
///
/// Either `assign` partitions at explicit offsets (the runtime's checkpointed offsets), or
/// `subscribe` as a member of the consumer group `group.id`, whose assignments arrive through the
/// `onRebalance` handler during `poll`. Offsets are committed only by `commit` (auto-commit is off
/// unless the properties turn it on). librdkafka fetches on threads of its own; `poll` hands over what
/// they fetched, as one batch. One thread polls at a time; the other methods may be called from any.
public final class KafkaConsumer: @unchecked Sendable {  // `buffer` is used only by `poll`, one thread at a time
    let client: KafkaClient  // internal: the kafka source reads partition queues of its handle
    private let callbacks: ConsumerCallbacks
    private let queue: OpaquePointer
    private var buffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private var bufferCapacity: Int
    private var topicNames: [OpaquePointer: String] = [:]
    private let closed = Atomic<Bool>(false)
    private let hasGroup: Bool
    static let placeholderGroup = "flywheel-no-group"

    /// A consumer over `configuration` (at least `bootstrap.servers`; `group.id` to subscribe or commit;
    /// `session.timeout.ms=6000` speeds up the first join on Tansu). `onRebalance` runs on the polling
    /// thread when the group assigns or revokes partitions; for `.assigned` it may return the
    /// partitions with the offsets to start at (nil: the group's committed offsets, else
    /// `auto.offset.reset`).
    public init(
        _ configuration: KafkaConfiguration,
        onRebalance: (@Sendable (KafkaRebalance) -> [KafkaTopicPartition]?)? = nil
    ) throws(KafkaError) {
        let callbacks = ConsumerCallbacks(onRebalance: onRebalance)
        hasGroup = configuration.properties["group.id"] != nil
        // librdkafka's consumer needs a group even to `assign`; without one it gets a placeholder, and
        // `commit` and `subscribe` refuse to run.
        let defaults = [
            "enable.auto.commit": "false", "auto.offset.reset": "earliest", "group.id": Self.placeholderGroup,
        ]
        client = try KafkaClient(RD_KAFKA_CONSUMER, configuration, defaults: defaults, callbacks: callbacks) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
            rd_kafka_conf_set_error_cb(conf, consumerErrorCallback)
        }
        self.callbacks = callbacks
        rd_kafka_poll_set_consumer(client.pointer)
        queue = rd_kafka_queue_get_consumer(client.pointer)!
        bufferCapacity = 1024
        buffer = .allocate(capacity: bufferCapacity)
    }

    deinit {
        close()
        rd_kafka_queue_destroy(queue)
        buffer.deallocate()
    }

    /// Reads `partitions` from their offsets (a record offset or a `KafkaOffset`), replacing the
    /// current assignment; no group membership is involved.
    public func assign(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        let list = KafkaPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_assign(client.pointer, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(error, "cannot assign \(partitions.map(\.description).joined(separator: ", "))")
        }
    }

    /// Joins the group `group.id` for `topics`; partitions arrive through `onRebalance` during `poll`.
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        try requireGroup("subscribe to \(topics.joined(separator: ", "))")
        let list = KafkaPartitionList.make(topics.map { KafkaTopicPartition($0, -1) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_subscribe(client.pointer, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(error, "cannot subscribe to \(topics.joined(separator: ", "))")
        }
    }

    /// The partitions currently assigned (offsets not filled in).
    public func assignment() throws(KafkaError) -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let error = rd_kafka_assignment(client.pointer, &list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, "cannot read the assignment") }
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        return KafkaPartitionList.read(list)
    }

    /// Waits up to `timeout` for a record, then returns it with the others fetched already, at most
    /// `maxMessages` in all, with partitions that reached their end and errors reported meanwhile
    /// (rebalances are handled inside). Empty when nothing came within `timeout`.
    public func poll(maxMessages: Int, timeout: Duration) throws(KafkaError) -> KafkaBatch {
        guard !closed.load(ordering: .relaxed) else { throw KafkaError(.state, "poll on a closed Kafka consumer") }
        let capacity = max(1, maxMessages)
        if capacity > bufferCapacity {
            buffer.deallocate()
            buffer = .allocate(capacity: capacity)
            bufferCapacity = capacity
        }
        // librdkafka's batch call waits until the batch is full or the timeout passed: wait for one
        // record, then take what else was fetched already.
        var count = rd_kafka_consume_batch_queue(queue, milliseconds(timeout), buffer, 1)
        if count == 1 && capacity > 1 {
            count += max(0, rd_kafka_consume_batch_queue(queue, 0, buffer + 1, capacity - 1))
        }
        var batch = KafkaBatch()
        batch.errors = callbacks.takeErrors()
        guard count > 0 else {
            if count < 0 { batch.errors.append(KafkaError(rd_kafka_last_error(), "cannot poll Kafka")) }
            return batch
        }
        batch.messages.reserveCapacity(count)
        for index in 0..<count {
            guard let message = buffer[index] else { continue }
            take(message, into: &batch)
            rd_kafka_message_destroy(message)
        }
        return batch
    }

    private func take(_ message: UnsafeMutablePointer<rd_kafka_message_t>, into batch: inout KafkaBatch) {
        let record = message.pointee
        let topic = record.rkt.map(topicName) ?? ""
        if record.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            batch.endOfPartition.append(KafkaTopicPartition(topic, record.partition, offset: record.offset))
            return
        }
        guard record.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? KafkaError.Code(record.err).text
            let place = topic.isEmpty ? "Kafka consumer" : "Kafka consumer on \(topic)[\(record.partition)]"
            batch.errors.append(KafkaError(KafkaError.Code(record.err), "\(place): \(text)"))
            return
        }
        let key = record.key.map { Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) }
        let value = record.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: record.len)) } ?? []
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        batch.messages.append(
            KafkaMessage(
                topic: topic, partition: record.partition, offset: record.offset, key: key, value: value,
                timestamp: timestamp >= 0 ? timestamp : nil, headers: KafkaHeaders.read(message)))
    }

    /// The topic's name, made once per topic handle (checked against the handle's name, in case a
    /// freed handle's address is reused for another topic).
    private func topicName(_ handle: OpaquePointer) -> String {
        let cName = rd_kafka_topic_name(handle)!
        if let name = topicNames[handle], name.withCString({ strcmp($0, cName) == 0 }) { return name }
        let name = String(cString: cName)
        topicNames[handle] = name
        return name
    }

    /// Moves assigned partitions to the given offsets; the next `poll` reads from there.
    public func seek(_ partitions: [KafkaTopicPartition], timeout: Duration) throws(KafkaError) {
        let list = KafkaPartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(client.pointer, list, milliseconds(timeout)) {
            throw KafkaError(consuming: error, "cannot seek")
        }
        if let error = KafkaPartitionList.firstError(list, "cannot seek") { throw error }
    }

    /// Commits `offsets` (each the offset of the next record to read) for `group.id`, and waits for
    /// the broker's answer.
    public func commit(_ offsets: [KafkaTopicPartition]) throws(KafkaError) {
        try requireGroup("commit offsets")
        let list = KafkaPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_commit(client.pointer, list, 0)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(error, "cannot commit offsets to \(client.configuration.bootstrap)")
        }
        if let error = KafkaPartitionList.firstError(list, "cannot commit the offset of") { throw error }
    }

    /// `commit`, waiting at most `timeout` for the group coordinator's answer: a synchronous commit to a
    /// cluster that died without closing its connections waits for the request to time out (a minute by
    /// default). On timeout the commit may still land later; the error says it was not confirmed.
    public func commit(_ offsets: [KafkaTopicPartition], timeout: Duration) throws(KafkaError) {
        try requireGroup("commit offsets")
        let list = KafkaPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard let replies = rd_kafka_queue_new(client.pointer) else {
            throw KafkaError(.state, "cannot commit offsets: librdkafka could not make a queue")
        }
        defer { rd_kafka_queue_destroy(replies) }
        let error = rd_kafka_commit_queue(client.pointer, list, replies, nil, nil)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(error, "cannot commit offsets to \(client.configuration.bootstrap)")
        }
        guard let event = rd_kafka_queue_poll(replies, milliseconds(timeout)) else {
            throw KafkaError(
                .timedOut, "\(client.configuration.bootstrap) did not confirm the offset commit within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let result = rd_kafka_event_error(event)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(result, "cannot commit offsets to \(client.configuration.bootstrap)")
        }
        if let committed = rd_kafka_event_topic_partition_list(event),
            let error = KafkaPartitionList.firstError(committed, "cannot commit the offset of")
        {
            throw error
        }
    }

    /// The offsets `group.id` committed for `partitions` (nil where it committed none).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws(KafkaError) -> [Int64?] {
        try requireGroup("read committed offsets")
        let list = KafkaPartitionList.make(partitions.map { KafkaTopicPartition($0.topic, $0.partition) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_committed(client.pointer, list, milliseconds(timeout))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(error, "cannot read committed offsets from \(client.configuration.bootstrap)")
        }
        if let error = KafkaPartitionList.firstError(list, "cannot read the committed offset of") { throw error }
        return KafkaPartitionList.read(list).map { $0.offset >= 0 ? $0.offset : nil }
    }

    /// The partition's low and high watermarks, asked of its leader.
    public func watermarks(topic: String, partition: Int32, timeout: Duration) throws(KafkaError) -> KafkaWatermarks {
        try client.watermarks(topic: topic, partition: partition, timeout: timeout)
    }

    /// Every topic of the cluster.
    public func metadata(timeout: Duration) throws(KafkaError) -> [KafkaTopicMetadata] {
        try client.metadata(timeout: timeout)
    }

    private func requireGroup(_ doing: String) throws(KafkaError) {
        guard hasGroup else {
            throw KafkaError(.invalidArgument, "cannot \(doing): set the consumer group with the property group.id")
        }
    }

    /// How long `close` waits by default for the group to let the consumer go.
    public static let closeTimeout: Duration = .seconds(10)

    /// Leaves the group (revoking its partitions through `onRebalance`, on this thread) and stops
    /// fetching, waiting at most `timeout`. Idempotent; true when the consumer closed in time.
    ///
    /// librdkafka's close waits for offset commits in flight, and a commit to a group coordinator that
    /// died is retried until the coordinator returns: an unbounded wait. When `timeout` passes first, the
    /// consumer is left closing in librdkafka's threads and its handle is destroyed on a thread of its own
    /// once this object goes (that thread, the handle's threads and memory stay until the commit ends,
    /// which may be never).
    @discardableResult
    public func close(timeout: Duration = KafkaConsumer.closeTimeout) -> Bool {
        guard !closed.exchange(true, ordering: .relaxed) else { return true }
        guard let replies = rd_kafka_queue_new(client.pointer) else {
            client.abandon()
            return false
        }
        defer { rd_kafka_queue_destroy(replies) }
        if let error = rd_kafka_consumer_close_queue(client.pointer, replies) {
            // Closed already, or a fatal error (destroying the handle then skips the group's goodbyes).
            rd_kafka_error_destroy(error)
            return true
        }
        let deadline = ContinuousClock.now + timeout
        while rd_kafka_consumer_closed(client.pointer) == 0 {
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                client.abandon()
                return false
            }
            // Serves the close's rebalance callbacks; the queue carries no records.
            if let event = rd_kafka_consume_queue(replies, min(100, milliseconds(left))) {
                rd_kafka_message_destroy(event)
            }
        }
        return true
    }
}
