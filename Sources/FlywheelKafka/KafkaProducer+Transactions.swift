import CRdkafka

/// Kafka transactions (a producer made with `transactional.id`): records sent between `beginTransaction`
/// and `commitTransaction` become visible to `isolation.level=read_committed` readers together, or never.
extension KafkaProducer {
    /// Registers the `transactional.id` with the cluster's transaction coordinator; a producer that used
    /// the same id before is fenced and its open transaction aborted. Call once, before the first
    /// `beginTransaction`.
    public func initTransactions(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_init_transactions(client.pointer, milliseconds(timeout)) {
            throw KafkaError(
                consuming: error,
                "cannot start transactions on \(client.configuration.bootstrap) (does the broker "
                    + "support them? Apache Kafka 0.11 or later, Redpanda)")
        }
    }

    /// Opens a transaction: records sent from now on belong to it.
    public func beginTransaction() throws(KafkaError) {
        if let error = rd_kafka_begin_transaction(client.pointer) {
            throw KafkaError(consuming: error, "cannot begin a transaction on \(client.configuration.bootstrap)")
        }
    }

    /// Adds offset commits of the consumer group `group` to the open transaction: they become the group's
    /// committed offsets when the transaction commits, and are discarded when it aborts (a group nobody
    /// joins serves as a record, kept by the broker, of which transactions committed).
    public func sendOffsetsToTransaction(
        _ offsets: [KafkaTopicPartition], group: String, timeout: Duration
    ) throws(KafkaError) {
        let list = KafkaPartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let metadata = rd_kafka_consumer_group_metadata_new(group)
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        if let error = rd_kafka_send_offsets_to_transaction(client.pointer, list, metadata, milliseconds(timeout)) {
            throw KafkaError(
                consuming: error,
                "cannot add the offsets of group '\(group)' to the transaction on \(client.configuration.bootstrap)")
        }
    }

    /// Delivers every record of the open transaction and commits it. Throws when a record failed or the
    /// commit did; the transaction is then aborted (its records never become visible to read_committed
    /// readers) or, when the error is fatal, the producer is unusable.
    public func commitTransaction(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_commit_transaction(client.pointer, milliseconds(timeout)) {
            let failure = KafkaError(
                consuming: error, "cannot commit the transaction on \(client.configuration.bootstrap)")
            _ = reports.takeFailures()
            throw failure
        }
        if let failure = reports.takeFailures() { throw failure }
    }

    /// Aborts the open transaction: its records never become visible to read_committed readers.
    public func abortTransaction(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_abort_transaction(client.pointer, milliseconds(timeout)) {
            throw KafkaError(consuming: error, "cannot abort the transaction on \(client.configuration.bootstrap)")
        }
        _ = reports.takeFailures()  // the aborted records' failures are expected
    }
}
