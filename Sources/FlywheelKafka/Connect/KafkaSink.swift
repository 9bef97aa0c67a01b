import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals

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
/// Records written between a snapshot and its commit wait in memory for the next transaction.
// @unchecked Sendable: the sink task calls it, one call at a time.
public final class KafkaSink: Sink, @unchecked Sendable {
    private let name: String
    private let spec: KafkaSinkSpec
    private let producer: KafkaProducer
    /// Per `RecordKind` raw value: the topic and headers.
    private let topics: [String]
    private let headers: [[KafkaHeader]]
    private let timeout: Duration
    /// Exactly once: whether a transaction is open, and records that wait for the next one.
    private var inTransaction = false
    private var waiting: [SignalRecord] = []
    /// Exactly once: the checkpoint whose snapshot closed the open transaction's records.
    private var pendingCheckpoint: Int64?

    /// Waited at most for deliveries (flush, commit) before the sink fails.
    public static let defaultTimeout: Duration = .seconds(60)

    /// A sink for `sink` (a `kind: kafka` spec) of the pipeline named `pipeline`.
    public init(_ sink: PipelineConfig.SinkSpec, pipeline: String?, timeout: Duration = defaultTimeout) throws {
        guard case .kafka(let spec) = sink.kind else {
            throw ConnectorError(.invalidOption, "sink \(sink.name) is not a kafka sink")
        }
        var properties = spec.properties
        if spec.exactlyOnce {
            properties["transactional.id"] = KafkaSinkSpec.transactionalID(pipeline: pipeline, sink: sink.name)
        }
        do {
            producer = try KafkaProducer(KafkaConfiguration(bootstrap: spec.bootstrap, properties))
        } catch {
            throw ConnectorError(.invalidOption, "kafka sink: \(error.message)", cause: error)
        }
        name = sink.name
        self.spec = spec
        self.timeout = timeout
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
        // the checkpoint the job resumes from are written again.
        try kafka { () throws(KafkaError) in try producer.initTransactions(timeout: timeout) }
        try begin()
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
        if spec.exactlyOnce { pendingCheckpoint = checkpoint }
        return [1]
    }

    public func commit(checkpoint: Int64) async throws {
        guard spec.exactlyOnce, let pending = pendingCheckpoint, pending <= checkpoint else { return }
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
            try kafka { () throws(KafkaError) in
                try producer.send(
                    topic: topics[kind], key: KafkaRecordKey.key(of: record), value: Array(record.line.dropLast()),
                    headers: headers[kind])
            }
        }
    }

    private func begin() throws(ConnectorError) {
        try kafka { () throws(KafkaError) in try producer.beginTransaction() }
        inTransaction = true
    }

    private func commitTransaction() throws(ConnectorError) {
        inTransaction = false
        try kafka { () throws(KafkaError) in try producer.commitTransaction(timeout: timeout) }
    }

    /// Runs `body`, turning a `KafkaError` into a `ConnectorError` that names the sink.
    private func kafka(_ body: () throws(KafkaError) -> Void) throws(ConnectorError) {
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
