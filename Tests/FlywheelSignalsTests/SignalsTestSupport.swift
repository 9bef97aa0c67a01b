import FlywheelEngine
import FlywheelRuntime
import Foundation
import Testing

@testable import FlywheelSignals

/// 2026-11-26T10:00:00.000Z, a multiple of every window size the tests use.
let signalsBaseMillis: Int64 = 1_795_687_200_000

/// The event time `ms` milliseconds after `signalsBaseMillis`.
func signalsTime(_ ms: Int64) -> EventTime { EventTime(millis: signalsBaseMillis + ms) }

/// The RFC 3339 output form of `signalsTime(ms)`.
func signalsStamp(_ ms: Int64) -> String { signalsTime(ms).rfc3339 }

/// Builders of accepted chat events; times are milliseconds after `signalsBaseMillis`.
enum SignalsEvent {
    static func prompt(
        _ id: String, at ms: Int64, conv: String = "c1", message: String, text: String, user: String? = nil
    ) -> ChatEvent {
        ChatEvent(
            eventId: id, type: .prompt, time: signalsTime(ms), conversationId: conv, userId: user, messageId: message,
            text: text)
    }

    static func response(
        _ id: String, at ms: Int64, conv: String = "c1", message: String, parent: String, model: String = "m1",
        text: String, latency: Double = 100, variant: String = "default", tokensIn: Int64 = 0, tokensOut: Int64 = 0,
        user: String? = nil
    ) -> ChatEvent {
        ChatEvent(
            eventId: id, type: .response, time: signalsTime(ms), conversationId: conv, userId: user,
            messageId: message, parentId: parent, model: model, variant: variant, text: text, latencyMs: latency,
            tokensIn: tokensIn, tokensOut: tokensOut)
    }

    static func feedback(
        _ id: String, at ms: Int64, conv: String = "c1", on parent: String, _ rating: Rating, model: String = "m1",
        variant: String = "default", user: String? = nil
    ) -> ChatEvent {
        ChatEvent(
            eventId: id, type: .feedback, time: signalsTime(ms), conversationId: conv, userId: user, parentId: parent,
            model: model, variant: variant, rating: rating)
    }

    static func regenerate(
        _ id: String, at ms: Int64, conv: String = "c1", of parent: String, model: String = "m1",
        variant: String = "default"
    ) -> ChatEvent {
        ChatEvent(
            eventId: id, type: .regenerate, time: signalsTime(ms), conversationId: conv, parentId: parent,
            model: model, variant: variant)
    }

    static func copy(
        _ id: String, at ms: Int64, conv: String = "c1", of parent: String, model: String = "m1",
        variant: String = "default"
    ) -> ChatEvent {
        ChatEvent(
            eventId: id, type: .copy, time: signalsTime(ms), conversationId: conv, parentId: parent, model: model,
            variant: variant)
    }

    static func error(
        _ id: String, at ms: Int64, conv: String = "c1", model: String = "m1", variant: String = "default"
    ) -> ChatEvent {
        ChatEvent(
            eventId: id, type: .error, time: signalsTime(ms), conversationId: conv, model: model, variant: variant)
    }

    static func choice(
        _ id: String, at ms: Int64, conv: String = "c1", chosen: String, rejected: String, model: String? = nil
    ) -> ChatEvent {
        ChatEvent(
            eventId: id, type: .choice, time: signalsTime(ms), conversationId: conv, parentId: chosen,
            rejectedId: rejected, model: model)
    }
}

/// One output line parsed back into JSON, with typed accessors.
struct SignalsJSON {
    let object: [String: Any]
    let line: String

    init(_ record: SignalRecord) throws {
        line = String(decoding: record.line, as: UTF8.self)
        let parsed = try JSONSerialization.jsonObject(with: Data(record.line))
        object = try #require(parsed as? [String: Any])
    }

    var keys: Set<String> { Set(object.keys) }
    func has(_ key: String) -> Bool { object[key] != nil }
    func isNull(_ key: String) -> Bool { object[key] is NSNull }
    func string(_ key: String) -> String? { object[key] as? String }
    func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }
    func double(_ key: String) -> Double? { (object[key] as? NSNumber)?.doubleValue }
    func strings(_ key: String) -> [String]? { object[key] as? [String] }
}

/// Sorts records by kind, then sort key, then production order: the file order of CONTRACT section 6.
func signalsFileOrder(_ records: [SignalRecord]) -> [SignalRecord] {
    records.enumerated().sorted { lhs, rhs in
        if lhs.element.kind != rhs.element.kind { return lhs.element.kind.rawValue < rhs.element.kind.rawValue }
        if lhs.element.key != rhs.element.key { return lhs.element.key < rhs.element.key }
        return lhs.offset < rhs.offset
    }.map(\.element)
}

/// Calls `step` for every event IngestState accepts, with the watermark before and after it (one partition).
func signalsDrive(
    _ events: [ChatEvent], time: PipelineConfig.Time = PipelineConfig.Time(),
    _ step: (ChatEvent, EventTime, EventTime) -> Void
) {
    var ingest = IngestState(time: time, partitions: 1)
    for event in events {
        if case .accepted(let accepted, let before) = ingest.ingest(.event(event), partition: 0) {
            step(accepted, before, ingest.watermark)
        }
    }
}

/// Replays events as a job does: the job's `IngestDriver`, then one `SignalShardOperator` fed in
/// batches of `batchSize` input elements with the watermark trail, then the final +infinity batch.
struct SignalsShardHarness {
    private var driver: IngestDriver
    private var shard: SignalShardOperator
    private let batchSize: Int
    /// Operator outputs in the order they were produced.
    private(set) var produced: [SignalRecord] = []

    init(config: PipelineConfig = .default, catalog: ModelCatalog? = nil, batchSize: Int = 1) {
        // A fresh driver restores nothing, so it cannot fail.
        driver = try! IngestDriver(time: config.time, sourceNames: ["input.jsonl"], shards: 1)
        shard = SignalShardOperator(config: config, catalog: catalog, sourceNames: ["input.jsonl"])
        self.batchSize = batchSize
    }

    /// The ingest's state (counters, watermark).
    var ingest: IngestState { driver.state }

    mutating func feed(_ events: [ChatEvent]) {
        for event in events { feed(.event(event)) }
    }

    mutating func feed(_ line: DecodedLine) {
        let position = driver.sequence + 1
        driver.ingest(InputLine(position: position, endOffset: position, decoded: line), partition: 0)
        if driver.linesInBatch >= batchSize { flush(isFinal: false) }
    }

    /// Ends the input: W becomes +infinity and everything pending fires.
    mutating func finish() {
        driver.finish(partition: 0)
        driver.finishAll()
        flush(isFinal: true)
    }

    private mutating func flush(isFinal: Bool) {
        let batch = driver.cut(isFinal: isFinal)
        shard.process(batch.shards[0], into: &produced)
    }

    /// The produced records of one kind, in file order.
    func records(_ kind: RecordKind) -> [SignalRecord] { signalsFileOrder(produced.filter { $0.kind == kind }) }

    /// The produced records of one kind, in file order, parsed.
    func objects(_ kind: RecordKind) throws -> [SignalsJSON] { try records(kind).map(SignalsJSON.init) }

    /// Every produced line in file order, for comparing runs.
    var fileLines: [String] { signalsFileOrder(produced).map { String(decoding: $0.line, as: UTF8.self) } }

    /// Runs `events` to the end of input and returns the harness.
    static func run(
        _ events: [ChatEvent], config: PipelineConfig = .default, catalog: ModelCatalog? = nil, batchSize: Int = 1
    ) -> SignalsShardHarness {
        var harness = SignalsShardHarness(config: config, catalog: catalog, batchSize: batchSize)
        harness.feed(events)
        harness.finish()
        return harness
    }
}
