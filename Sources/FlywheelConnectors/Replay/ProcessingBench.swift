import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals

/// Times the processing half of a replay alone, on one core: the ingest steps (de-dup, late check,
/// watermark) and every signal operator in one shard, on lines decoded into memory beforehand.
public enum ProcessingBench {
    /// Decodes `path` into memory (not timed), then processes it `rounds` times; returns the best
    /// seconds per round and the number of lines.
    public static func run(path: String, config: PipelineConfig = .default, rounds: Int = 1) async throws -> (
        seconds: Double, lines: Int
    ) {
        let lines = try await decodeAll(path: path, config: config)
        var best = Double.infinity
        for _ in 0..<max(1, rounds) {
            let start = ContinuousClock.now
            process(lines, config: config)
            best = min(best, (ContinuousClock.now - start).seconds)
        }
        return (best, lines.count)
    }

    /// Reads and decodes `path` as a replay's decoder task does (the pipeline's `max_event_bytes`, PII
    /// counted when a signal needs it), handing each batch of lines to `body`.
    static func decode(path: String, config: PipelineConfig, _ body: ([InputLine]) -> Void) async throws {
        let channel = BoundedChannel<Result<[InputLine], ConnectorError>>(capacity: 4)
        let decoder = InputDecoder(
            input: .file(path: path), partition: 0, maxEventBytes: config.time.maxEventBytes, batchLines: 1024,
            countsPII: config.signals.needsPIICounts)
        async let producer: Void = decoder.run(into: channel)
        while let batch = await channel.receive() { body(try batch.get()) }
        await producer
    }

    static func decodeAll(path: String, config: PipelineConfig = .default) async throws -> [InputLine] {
        var all: [InputLine] = []
        try await decode(path: path, config: config) { all += $0 }
        return all
    }

    /// The single-threaded equivalent of the replay's ingest, shard and ordering work; returns the bytes
    /// of output it released.
    @discardableResult
    static func process(_ lines: [InputLine], config: PipelineConfig) -> Int {
        var state = IngestState(time: config.time, partitions: 1)
        var shard = SignalShardOperator(config: config, catalog: nil, sourceNames: ["bench"])
        var ordered = OrderedOutput(shards: 1, allowedLatenessMs: config.time.allowedLatenessMs)
        var batches: [[RoutedEvent]] = [[]]
        var trail = WatermarkTrail()
        var sequence: Int64 = 0
        var written = 0
        // Lines are borrowed through the buffer, as the replay's ingest does (a copy is a retain each).
        lines.withUnsafeBufferPointer { lines in
            for index in lines.indices {
                sequence += 1
                let before = state.watermark
                if case .accepted(let event, let watermarkBefore) = state.ingest(lines[index].decoded, partition: 0) {
                    RoutedEvent.route(event, watermarkBefore: watermarkBefore, sequence: sequence, into: &batches)
                }
                if state.watermark != before { trail.append(sequence: sequence, watermark: state.watermark) }
                if batches[0].count == 1024 || sequence == Int64(lines.count) {
                    let isFinal = sequence == Int64(lines.count)
                    if isFinal { trail.append(sequence: sequence, watermark: .max) }
                    let watermark = isFinal ? EventTime.max : state.watermark
                    var out: [SignalRecord] = []
                    shard.process(
                        ShardBatch(
                            records: batches[0], watermark: watermark, lastSequence: sequence, trail: trail,
                            isFinal: isFinal
                        ),
                        into: &out)
                    ordered.add(out, shard: 0, watermark: watermark, sequence: sequence)
                    ordered.drainReady { written += $0.line.count }
                    batches[0].removeAll(keepingCapacity: true)
                    trail = WatermarkTrail()
                }
            }
        }
        return written
    }
}
