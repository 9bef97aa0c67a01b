import FlywheelConnectors
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Exactly once across a crash between a checkpoint's write and its transaction's commit: the checkpoint
/// keeps the transaction's records and marker (`KafkaSinkTransaction`); a restore asks the cluster
/// whether the marker committed and, when it did not, produces the records again.
extension KafkaSink {
    /// TEST ONLY: with `FLYWHEEL_TEST_CRASH_AFTER_CHECKPOINT_WRITE=1` in the environment (read once), the
    /// process exits with status 137 in `commit`, after the checkpoint is durable and before its
    /// transaction commits (the first such commit whose transaction holds records). Tests use it to crash
    /// in exactly that window; nothing else sets it.
    static let crashAfterCheckpointWrite: Bool = {
        guard let value = getenv("FLYWHEEL_TEST_CRASH_AFTER_CHECKPOINT_WRITE") else { return false }
        return String(cString: value) == "1"
    }()

    /// Writes a notice to standard error.
    public static let standardErrorNotice: @Sendable (String) -> Void = { text in
        FileHandle.standardError.write(Data("notice: \(text)\n".utf8))
    }

    /// At a snapshot: adds the marker to the open transaction (nothing when it holds no record) and
    /// refuses a transaction too large to keep in a checkpoint.
    func markTransaction(checkpoint: Int64) throws(ConnectorError) {
        transaction.checkpoint = checkpoint
        guard transaction.bytes <= KafkaSinkTransaction.maxBytes else {
            throw ConnectorError(
                .writeFailed,
                "kafka sink \(name): the transaction of checkpoint \(checkpoint) holds \(transaction.bytes) bytes of "
                    + "records, more than the \(KafkaSinkTransaction.maxBytes) an exactly-once checkpoint keeps to "
                    + "recover it; checkpoint more often (checkpoint: interval) or use exactly_once: false")
        }
        guard let marker = transaction.markerPartition else { return }
        let group = KafkaSinkTransaction.markerGroup(transaction.transactionalID)
        try kafka { () throws(KafkaError) in
            try producer.sendOffsetsToTransaction([marker], group: group, timeout: timeout)
        }
    }

    /// At a restore, in the new producer's first transaction: produces `saved`'s records again unless its
    /// marker committed.
    func resendIfUncommitted(_ saved: KafkaSinkTransaction) throws(ConnectorError) {
        guard let marker = saved.markerPartition else { return }
        guard saved.bootstrap == spec.bootstrap, saved.transactionalID == transaction.transactionalID else {
            notice(
                "kafka sink \(name): the transaction of checkpoint \(saved.checkpoint) was written to "
                    + "\(saved.bootstrap) as \(saved.transactionalID); the sink now writes to \(spec.bootstrap) as "
                    + "\(transaction.transactionalID), so whether it committed is not checked (move a sink after "
                    + "a graceful stop, whose last transaction is committed)")
            return
        }
        if try committedMarker(marker, group: KafkaSinkTransaction.markerGroup(saved.transactionalID))
            == saved.marker
        {
            return
        }
        notice(
            "kafka sink \(name): the transaction of checkpoint \(saved.checkpoint) did not commit before the "
                + "restart; producing its \(saved.records.count) records again")
        for record in saved.records { try send(record) }
    }

    /// The offset the marker group committed for the marker's partition, nil for none.
    private func committedMarker(_ marker: KafkaTopicPartition, group: String) throws(ConnectorError) -> Int64? {
        var properties = spec.properties.filter { key, _ in
            Self.connectionPrefixes.contains { key.hasPrefix($0) }
        }
        properties["group.id"] = group
        properties["isolation.level"] = "read_committed"
        var committed: Int64?
        try kafka { () throws(KafkaError) in
            let consumer = try KafkaConsumer(KafkaConfiguration(bootstrap: spec.bootstrap, properties))
            defer { consumer.close() }
            committed = try consumer.committed([marker], timeout: timeout).first ?? nil
        }
        return committed
    }

    /// Properties of the sink that the marker check's consumer takes too (how to reach the cluster).
    private static let connectionPrefixes = [
        "security.", "sasl.", "ssl.", "socket.", "client.", "broker.", "api.version", "enable.ssl", "metadata.",
    ]
}
