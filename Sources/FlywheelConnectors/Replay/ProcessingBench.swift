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

    /// Reads and decodes `path` as a replay's file source does (the pipeline's `max_event_bytes`, PII
    /// counted when a signal needs it), handing each batch of lines to `body`.
    static func decode(path: String, config: PipelineConfig, _ body: ([InputLine]) -> Void) async throws {
        let decoding = DecodeOptions(
            maxEventBytes: config.time.maxEventBytes, countsPII: config.signals.needsPIICounts)
        let partition = try FileSource(path: path).open(restoring: nil, decoding: decoding)[0]
        defer { partition.close() }
        var status = ReadStatus.more
        while status != .ended {
            var batch: [InputLine] = []
            batch.reserveCapacity(1024)
            status = try partition.read(maxLines: 1024) { batch.append($0) }
            body(batch)
        }
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
        // A fresh driver cannot fail to restore: it restores nothing.
        guard var driver = try? IngestDriver(time: config.time, sourceNames: ["bench"], shards: 1) else { return 0 }
        var shard = SignalShardOperator(config: config, catalog: nil, sourceNames: ["bench"])
        var ordered = OrderedOutput(shards: 1, allowedLatenessMs: config.time.allowedLatenessMs)
        var written = 0
        func send(_ batch: IngestBatch) {
            var out: [SignalRecord] = []
            ordered.addSide(batch.sides)
            shard.process(batch.shards[0], into: &out)
            ordered.add(out, shard: 0, watermark: batch.shards[0].watermark, sequence: batch.shards[0].lastSequence)
            ordered.drainReady { written += $0.line.count }
        }
        // Lines are borrowed through the buffer, as the replay's ingest does (a copy is a retain each).
        lines.withUnsafeBufferPointer { lines in
            for index in lines.indices {
                driver.ingest(lines[index], partition: 0)
                if driver.linesInBatch == 1024 { send(driver.cut()) }
            }
        }
        driver.finish(partition: 0)
        driver.finishAll()
        send(driver.cut(isFinal: true))
        return written
    }
}
