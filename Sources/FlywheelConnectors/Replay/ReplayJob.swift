import FlywheelEngine
import FlywheelSignals
import Synchronization

/// Replays finite inputs through the signal pipeline into an output folder.
///
/// Tasks: one reader-decoder per input; the ingest (merge, de-dup, late check, watermark,
/// routing by key); one task per shard running every signal operator; the collector that orders
/// records and writes files. Every hand-off is a batch on a bounded channel.
public enum ReplayJob {
    public typealias Side = [SignalRecord]

    public static func run(
        _ options: ReplayOptions, progress: (@Sendable (ReplayProgress) -> Void)? = nil
    ) async throws -> ReplayResult {
        let started = ContinuousClock.now
        let folder = try OutputFolder(path: options.outputPath, force: options.force)
        let operators = (0..<options.parallelism).map { _ in
            SignalShardOperator(config: options.config, catalog: options.catalog, sourceNames: options.inputs)
        }
        let ingestCounters = Mutex(SignalCounters())
        var ordered = OrderedOutput(
            shards: options.parallelism, allowedLatenessMs: options.config.time.allowedLatenessMs)
        var written = SignalCounters()
        let write: (SignalRecord) throws -> Void = { record in
            try folder.write(record)
            if let kind = record.kind.signalKind { written.signalsOut[kind, default: 0] += 1 }
            if record.isUnresolvedReference { written.unresolvedReferences += 1 }
        }
        try await ShardedStage.run(operators: operators, sideType: Side.self) { dispatcher in
            var ingest = IngestLoop(options: options, dispatcher: dispatcher, started: started, progress: progress)
            try await ingest.run()
            ingestCounters.withLock { $0 = ingest.state.counters }
        } collect: { event in
            switch event {
            case .side(let records):
                ordered.addSide(records)
            case .shardOutput(let shard, let records, let watermark, let sequence):
                ordered.add(records, shard: shard, watermark: watermark, sequence: sequence)
                try ordered.drainReady(write)
            case .closed:
                break
            }
        }
        try ordered.drainAll(write)
        var counters = ingestCounters.withLock { $0 }
        counters.signalsOut = written.signalsOut
        counters.unresolvedReferences = written.unresolvedReferences
        try folder.finish(summary: counters.summaryJSON())
        let elapsed = ContinuousClock.now - started
        return ReplayResult(counters: counters, wallSeconds: elapsed.seconds)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
