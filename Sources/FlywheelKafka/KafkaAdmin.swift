import CRdkafka

/// Creates and deletes topics and reads cluster metadata (librdkafka's admin API). Thread-safe.
public final class KafkaAdmin: Sendable {
    private let client: KafkaClient

    public init(_ configuration: KafkaConfiguration) throws(KafkaError) {
        client = try KafkaClient(RD_KAFKA_PRODUCER, configuration)
    }

    /// Creates `name` with `partitions` partitions and `replicationFactor` copies of each, with topic
    /// settings `config` (e.g. `retention.ms`). Throws `topicAlreadyExists` when it exists.
    public func createTopic(
        _ name: String, partitions: Int, replicationFactor: Int = 1, config: [String: String] = [:],
        timeout: Duration = .seconds(30)
    ) throws(KafkaError) {
        var errstr = [CChar](repeating: 0, count: 512)
        guard
            let topic = rd_kafka_NewTopic_new(
                name, Int32(clamping: partitions), Int32(clamping: replicationFactor), &errstr, errstr.count)
        else {
            throw KafkaError(.invalidArgument, "cannot create topic '\(name)': \(cString(errstr))")
        }
        defer { rd_kafka_NewTopic_destroy(topic) }
        for (key, value) in config.sorted(by: { $0.key < $1.key }) {
            let error = rd_kafka_NewTopic_set_config(topic, key, value)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(error, "cannot create topic '\(name)': setting '\(key)'")
            }
        }
        var topics: [OpaquePointer?] = [topic]
        try run(RD_KAFKA_ADMIN_OP_CREATETOPICS, "create topic '\(name)'", timeout) { options, queue in
            rd_kafka_CreateTopics(client.pointer, &topics, 1, options, queue)
        } results: { event in
            var count = 0
            let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            return (results, count)
        }
    }

    /// Deletes `name` and its records.
    public func deleteTopic(_ name: String, timeout: Duration = .seconds(30)) throws(KafkaError) {
        guard let topic = rd_kafka_DeleteTopic_new(name) else {
            throw KafkaError(.invalidArgument, "cannot delete topic '\(name)'")
        }
        defer { rd_kafka_DeleteTopic_destroy(topic) }
        var topics: [OpaquePointer?] = [topic]
        try run(RD_KAFKA_ADMIN_OP_DELETETOPICS, "delete topic '\(name)'", timeout) { options, queue in
            rd_kafka_DeleteTopics(client.pointer, &topics, 1, options, queue)
        } results: { event in
            var count = 0
            let results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
            return (results, count)
        }
    }

    /// Every topic of the cluster.
    public func metadata(timeout: Duration) throws(KafkaError) -> [KafkaTopicMetadata] {
        try client.metadata(timeout: timeout)
    }

    /// The topic named `name`, or nil when the cluster has none.
    public func topic(_ name: String, timeout: Duration) throws(KafkaError) -> KafkaTopicMetadata? {
        try client.topic(name, timeout: timeout)
    }

    /// The partition's low and high watermarks, asked of its leader.
    public func watermarks(topic: String, partition: Int32, timeout: Duration) throws(KafkaError) -> KafkaWatermarks {
        try client.watermarks(topic: topic, partition: partition, timeout: timeout)
    }

    /// Sends one admin request through `start`, waits for its result event, and throws the first
    /// per-topic error among `results`.
    private func run(
        _ operation: rd_kafka_admin_op_t, _ doing: String, _ timeout: Duration,
        start: (OpaquePointer, OpaquePointer) -> Void,
        results: (OpaquePointer) -> (UnsafeMutablePointer<OpaquePointer?>?, Int)
    ) throws(KafkaError) {
        let queue = rd_kafka_queue_new(client.pointer)!
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(client.pointer, operation)!
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errstr = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds(timeout), &errstr, errstr.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds(timeout), &errstr, errstr.count)
        start(options, queue)
        guard let event = rd_kafka_queue_poll(queue, milliseconds(timeout + .seconds(1))) else {
            throw KafkaError(
                .timedOut, "cannot \(doing) on \(client.configuration.bootstrap): no answer within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let error = rd_kafka_event_error(event)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? KafkaError.Code(error).text
            throw KafkaError(KafkaError.Code(error), "cannot \(doing) on \(client.configuration.bootstrap): \(text)")
        }
        let (list, count) = results(event)
        for index in 0..<count {
            guard let result = list?[index] else { continue }
            let code = rd_kafka_topic_result_error(result)
            if code != RD_KAFKA_RESP_ERR_NO_ERROR {
                let text = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? ""
                throw KafkaError(KafkaError.Code(code), "cannot \(doing) on \(client.configuration.bootstrap): \(text)")
            }
        }
    }
}
