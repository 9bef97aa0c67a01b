import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes output records to Kafka topics (`kind: kafka` sinks) with an idempotent producer: the value is
/// the record's JSON line, the key its signal's key fields (`KafkaRecordKey`), the headers
/// `flywheel-kind` and `flywheel-pipeline`.
///
/// At least once (the default): `write` queues records (librdkafka batches them), `flush` (every linger)
/// and `snapshot` wait for their delivery; a record that cannot be delivered fails the flush, the
/// checkpoint and the job, which restarts from the last checkpoint and writes the records after it
/// again (never dropped; a restart may repeat records already delivered).
///
/// Exactly once (`exactly_once: true`): records are written in Kafka transactions, one per checkpoint,
/// committed when the checkpoint is durable (`commit`); read_committed readers see each record once.
/// Records written between a snapshot and its commit wait in memory for the next transaction. The
/// checkpoint's state carries the records of the transaction its snapshot closed and a marker committed
/// with it (`KafkaSinkTransaction`): a sink restored from a checkpoint whose transaction never committed
/// (a crash between the checkpoint's write and the commit) produces those records again in its first
/// transaction (`restore`, `KafkaSink+Recovery.swift`).
// @unchecked Sendable: the sink task calls it, one call at a time.
public final class KafkaSink: Sink, @unchecked Sendable {
    let name: String
    let spec: KafkaSinkSpec
    let producer: KafkaProducer
    /// Per `RecordKind` raw value: the topic and headers.
    private let topics: [String]
    private let headers: [[KafkaHeader]]
    let timeout: Duration
    /// Hears what a restore did about an uncommitted transaction.
    let notice: @Sendable (String) -> Void
    /// Exactly once: whether a transaction is open, its records, and records that wait for the next one.
    private var inTransaction = false
    var transaction: KafkaSinkTransaction
    private var waiting: [SignalRecord] = []
    /// Exactly once: the checkpoint whose snapshot closed the open transaction's records.
    private var pendingCheckpoint: Int64?

    /// Waited at most for deliveries (flush, commit) before the sink fails.
    public static let defaultTimeout: Duration = .seconds(60)

    /// A sink for `sink` (a `kind: kafka` spec) of the pipeline named `pipeline`.
    /// `notice` hears, on the sink's task, that a restore produced an uncommitted transaction's records again.
    public init(
        _ sink: PipelineConfig.SinkSpec, pipeline: String?, timeout: Duration = defaultTimeout,
        notice: @escaping @Sendable (String) -> Void = KafkaSink.standardErrorNotice
    ) throws {
        guard case .kafka(let spec) = sink.kind else {
            throw ConnectorError(.invalidOption, "sink \(sink.name) is not a kafka sink")
        }
        var properties = spec.properties
        let transactionalID = KafkaSinkSpec.transactionalID(pipeline: pipeline, sink: sink.name)
        if spec.exactlyOnce { properties["transactional.id"] = transactionalID }
        transaction = KafkaSinkTransaction(bootstrap: spec.bootstrap, transactionalID: transactionalID)
        do {
            producer = try KafkaProducer(KafkaConfiguration(bootstrap: spec.bootstrap, properties))
        } catch {
            throw ConnectorError(.invalidOption, "kafka sink: \(error.message)", cause: error)
        }
        name = sink.name
        self.spec = spec
        self.timeout = timeout
        self.notice = notice
        topics = RecordKind.allCases.map(spec.topic(for:))
        headers = RecordKind.allCases.map { kind in
            [
                KafkaHeader("flywheel-kind", Array(kind.name.utf8)),
                KafkaHeader("flywheel-pipeline", Array((pipeline ?? "").utf8)),
            ]
        }
    }

    public func restore(_ state: [UInt8]?) async throws {
        guard spec.exactlyOnce else { return }
        // Fences an earlier producer of this sink and aborts its open transaction: records written after
        // the checkpoint the job resumes from are written again. A transaction the coordinator was
        // committing completes first, so the check below sees it.
        try kafka { () throws(KafkaError) in try producer.initTransactions(timeout: timeout) }
        try begin()
        if let state, let saved = try KafkaSinkTransaction(decoding: state) { try resendIfUncommitted(saved) }
    }

    public func write(_ records: [SignalRecord]) async throws {
        if spec.exactlyOnce && pendingCheckpoint != nil {
            waiting += records
            return
        }
        try send(records)
    }

    public func flush() async throws {
        guard !spec.exactlyOnce else { return }  // the transaction's commit delivers them
        try kafka { () throws(KafkaError) in try producer.flush(timeout: timeout) }
    }

    public func snapshot(checkpoint: Int64, closing: Bool) async throws -> [UInt8] {
        // Delivered (into the open transaction, with exactly once) before the checkpoint can complete.
        try kafka { () throws(KafkaError) in try producer.flush(timeout: timeout) }
        guard spec.exactlyOnce else { return [1] }
        try markTransaction(checkpoint: checkpoint)
        pendingCheckpoint = checkpoint
        return transaction.encoded()
    }

    public func commit(checkpoint: Int64) async throws {
        guard spec.exactlyOnce, let pending = pendingCheckpoint, pending <= checkpoint else { return }
        if Self.crashAfterCheckpointWrite && !transaction.records.isEmpty { _exit(137) }
        try commitTransaction()
        pendingCheckpoint = nil
        try begin()
        let records = waiting
        waiting = []
        try send(records)
    }

    public func close(_ end: JobEnd) async throws {
        if !spec.exactlyOnce {
            if case .finished = end { try kafka { () throws(KafkaError) in try producer.flush(timeout: timeout) } }
            return
        }
        guard inTransaction else { return }
        if case .finished = end {
            // Every record was written and no checkpoint follows: commit them all.
            try commitTransaction()
            if !waiting.isEmpty {
                try begin()
                try send(waiting)
                waiting = []
                try commitTransaction()
            }
        } else {
            // A graceful stop: the final checkpoint was committed; nothing after it counts.
            try kafka { () throws(KafkaError) in try producer.abortTransaction(timeout: timeout) }
            inTransaction = false
        }
    }

    private func send(_ records: [SignalRecord]) throws(ConnectorError) {
        for record in records {
            let kind = record.kind.rawValue
            try send(
                KafkaSinkTransaction.Record(
                    topic: topics[kind], key: KafkaRecordKey.key(of: record), value: Array(record.line.dropLast()),
                    headers: headers[kind]))
        }
    }

    /// Produces `record`; with exactly once, also keeps it in the open transaction's records.
    func send(_ record: KafkaSinkTransaction.Record) throws(ConnectorError) {
        try kafka { () throws(KafkaError) in
            try producer.send(topic: record.topic, key: record.key, value: record.value, headers: record.headers)
        }
        if spec.exactlyOnce { transaction.append(record) }
    }

    private func begin() throws(ConnectorError) {
        try kafka { () throws(KafkaError) in try producer.beginTransaction() }
        inTransaction = true
        transaction = KafkaSinkTransaction(
            bootstrap: transaction.bootstrap, transactionalID: transaction.transactionalID)
    }

    private func commitTransaction() throws(ConnectorError) {
        inTransaction = false
        try kafka { () throws(KafkaError) in try producer.commitTransaction(timeout: timeout) }
    }

    /// Runs `body`, turning a `KafkaError` into a `ConnectorError` that names the sink.
    func kafka(_ body: () throws(KafkaError) -> Void) throws(ConnectorError) {
        do {
            try body()
        } catch {
            throw ConnectorError(
                .writeFailed,
                "kafka sink \(name) (\(spec.bootstrap)): \(error.message); the job fails rather than drop records "
                    + "and resumes from its last checkpoint when restarted", cause: error)
        }
    }
}
