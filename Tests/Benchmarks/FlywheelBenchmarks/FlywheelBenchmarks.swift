// Micro-benchmarks of the hot path, stage by stage, with the heap allocations each makes per event
// (ordo-one/benchmark's malloc interposer counts every malloc and its bytes). Run them with
//
//     swift package benchmark --target FlywheelBenchmarks
//
// Each measured iteration handles the next 1,000 events of one generated stream: the figures are per
// 1,000 events (time in microseconds is nanoseconds per event). The README's Performance section gives
// this round's.

import Benchmark
import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals

/// One generated stream (`flywheel generate`'s default shapes), decoded once for the stages after the
/// decoder, and cut into one shard's batches of 250 lines for the operators.
final class Workload: @unchecked Sendable {
    static let shared = Workload()
    static let eventsPerIteration = 1_000
    static let linesPerBatch = 250

    let lines: [[UInt8]]
    let decoded: [InputLine]
    let batches: [ShardBatch<RoutedEvent>]

    private init() {
        var options = GeneratorOptions()
        options.conversations = 12_000
        var bytes: [UInt8] = []
        _ = ConversationGenerator(options: options).generate { bytes.append(contentsOf: $0) }
        lines = bytes.split(separator: UInt8(ascii: "\n")).map(Array.init)
        var decoder = LineDecoder(partition: 0, maxEventBytes: 1 << 20, countsPII: true)
        decoded = lines.enumerated().map { index, line in
            line.withUnsafeBytes { decoder.decode($0, position: Int64(index + 1), endOffset: Int64(index + 1)) }
        }
        var driver = try! IngestDriver(time: PipelineConfig().time, sourceNames: ["bench"], shards: 1)
        var batches: [ShardBatch<RoutedEvent>] = []
        for line in decoded {
            driver.ingest(line, partition: 0)
            if driver.linesInBatch >= Self.linesPerBatch { batches.append(driver.cut().shards[0]) }
        }
        self.batches = batches
    }

    /// Iterations the stream lasts (the warm-up takes one).
    var iterations: Int { lines.count / Self.eventsPerIteration - 1 }

    /// The lines of the `iteration`-th iteration.
    static func lines(of iteration: Int) -> Range<Int> {
        let start = iteration * eventsPerIteration
        return start..<(start + eventsPerIteration)
    }

    /// The batches of the `iteration`-th iteration.
    static func batches(of iteration: Int) -> Range<Int> {
        let perIteration = eventsPerIteration / linesPerBatch
        return (iteration * perIteration)..<((iteration + 1) * perIteration)
    }
}

/// What a benchmark keeps from one iteration to the next: which part of the stream comes next, and the
/// stage's own state (a decoder, an ingest driver, a shard's operators), as the stage keeps it in a job.
final class Run<Stage>: @unchecked Sendable {
    private let make: () -> Stage
    var stage: Stage
    private var iteration = 0

    init(_ make: @escaping () -> Stage) {
        self.make = make
        stage = make()
    }

    /// The next iteration's number; the stage starts anew when the stream has run out.
    func next() -> Int {
        if iteration >= Workload.shared.iterations {
            iteration = 0
            stage = make()
        }
        defer { iteration += 1 }
        return iteration
    }
}

func configuration() -> Benchmark.Configuration {
    .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .mallocBytesCount],
        timeUnits: .microseconds, warmupIterations: 1, maxDuration: .seconds(10),
        maxIterations: Workload.shared.iterations - 1)
}

/// A pipeline that produces only `kinds`: the operators that make nothing else do not run.
func pipeline(_ kinds: Set<SignalKind>) -> PipelineConfig {
    var config = PipelineConfig()
    config.signals.enabled = kinds
    return config
}

/// A decoder whose events' storage comes back from a shard that dropped them at once.
struct PooledDecoder {
    var decoder: LineDecoder
    var returns: ChatEventReturns

    init() {
        let pool = ChatEventPool()
        decoder = LineDecoder(partition: 0, maxEventBytes: 1 << 20, countsPII: true, pool: pool)
        returns = ChatEventReturns(pool: pool)
    }
}

/// The `iteration`-th batches of the stream, each holding its own array of records, as a batch a shard takes
/// from its channel does (a shard moves events out of the array while it processes them, which would copy an
/// array shared with the workload).
func batches(of iteration: Int) -> [ShardBatch<RoutedEvent>] {
    Workload.batches(of: iteration).map { index in
        var batch = Workload.shared.batches[index]
        batch.records = batch.records.map { $0 }
        return batch
    }
}

/// Processes `batches` with `shard`, dropping what it emits.
func process(_ shard: inout SignalShardOperator, _ batches: inout [ShardBatch<RoutedEvent>]) {
    var out: [SignalRecord] = []
    for index in batches.indices {
        shard.process(&batches[index], into: &out)
        blackHole(out.count)
        out.removeAll(keepingCapacity: true)
    }
}

let benchmarks: @Sendable () -> Void = {
    let workload = Workload.shared

    // Decoding as a job decodes: each event's storage comes back from the shard that dropped it
    // (ChatEventPool); what is left are the strings an event keeps (texts; the raw line of the event
    // types that can become an unresolved reference).
    let pooled = Run(PooledDecoder.init)
    Benchmark("decode, storage handed back (as in a job)", configuration: configuration()) { _ in
        let iteration = pooled.next()
        for index in Workload.lines(of: iteration) {
            var line = workload.lines[index].withUnsafeBytes {
                pooled.stage.decoder.decode($0, position: Int64(index + 1), endOffset: Int64(index + 1))
            }
            if case .event(var event) = line.decoded {
                line = InputLine.moved  // the event's one holder is now `event`, as in a shard
                pooled.stage.returns.recycle(&event)
            }
            blackHole(line)
        }
        pooled.stage.returns.flush()
    }

    // The same without a pool: every event gets new storage (what a decoder outside a job does).
    let plain = Run { LineDecoder(partition: 0, maxEventBytes: 1 << 20, countsPII: true) }
    Benchmark("decode, new storage per event", configuration: configuration()) { _ in
        let iteration = plain.next()
        for index in Workload.lines(of: iteration) {
            blackHole(
                workload.lines[index].withUnsafeBytes {
                    plain.stage.decode($0, position: Int64(index + 1), endOffset: Int64(index + 1))
                })
        }
    }

    // The ingest driver on decoded lines: de-dup, late check, watermark, routing to two shards, and
    // cutting a batch every 250 lines.
    let ingest = Run { try! IngestDriver(time: PipelineConfig().time, sourceNames: ["bench"], shards: 2) }
    Benchmark("ingest (de-dup, watermark, routing to 2 shards)", configuration: configuration()) { _ in
        let iteration = ingest.next()
        for index in Workload.lines(of: iteration) {
            ingest.stage.ingest(workload.decoded[index], partition: 0)
            if ingest.stage.linesInBatch >= Workload.linesPerBatch { blackHole(ingest.stage.cut()) }
        }
    }

    // Each operator alone on one shard, then all of them (the default pipeline), on batches cut
    // beforehand; what they emit is counted too.
    let operators: [(String, Set<SignalKind>)] = [
        ("model_quality + quality_alert", [.modelQuality, .qualityAlert]),
        ("conversation_summary + sft_example", [.conversationSummary, .sftExample]),
        ("preference_pair", [.preferencePair]),
        ("all signals (the default pipeline)", Set(SignalKind.allCases)),
    ]
    for (name, kinds) in operators {
        let shard = Run { SignalShardOperator(config: pipeline(kinds), catalog: nil, sourceNames: ["bench"]) }
        Benchmark("operators: \(name)", configuration: configuration()) { benchmark in
            var batches = batches(of: shard.next())
            benchmark.startMeasurement()
            process(&shard.stage, &batches)
            benchmark.stopMeasurement()
            blackHole(batches)
        }
    }
}
