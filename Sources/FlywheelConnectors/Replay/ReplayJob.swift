import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation
import Synchronization

/// Replays finite inputs through the signal pipeline into an output folder.
///
/// Tasks: one reader-decoder per input; the ingest (merge, de-dup, late check, watermark,
/// routing by key); one task per shard running every signal operator; the collector that orders
/// records, writes files and completes checkpoints. Every hand-off is a batch on a bounded channel.
public enum ReplayJob {
    /// What the ingest sends the collector besides shard outputs.
    public enum Side: Sendable {
        case records([SignalRecord])
        case barrier(Barrier)
    }

    /// The ingest's part of a checkpoint: its state right after the batch the barrier follows.
    public struct Barrier: Sendable {
        var id: Int64
        var sequence: Int64
        var watermark: EventTime
        var positions: [InputPosition]
        var ingest: [UInt8]
    }

    public static func run(
        _ options: ReplayOptions, progress: (@Sendable (ReplayProgress) -> Void)? = nil
    ) async throws -> ReplayResult {
        let started = ContinuousClock.now
        try ReplayPreflight.check(options)
        let sources = try ReplaySource.resolve(inputs: options.inputs, dataDir: options.dataDir)
        let recovery = try ReplayRecovery(options: options, sources: sources)
        if let summary = recovery.finishedSummary {
            return ReplayResult(counters: summary, wallSeconds: 0, alreadyFinished: true)
        }
        let resume = recovery.checkpoint
        try OutputFolder.checkEmpty(options.outputPath, force: options.force || recovery.isResume)
        try recovery.begin()
        let sink = try options.outputTopic.map { (name: String) throws(ConnectorError) in
            guard let dataDir = options.dataDir else {
                throw ConnectorError(.writeFailed, "--out-topic needs the log folder: pass --data DIR")
            }
            return try TopicSink(dataDir: dataDir, name: name, store: recovery.store, resume: resume)
        }
        defer { sink?.close() }
        let folder = try OutputFolder(
            path: options.outputPath,
            resumeLengths: recovery.store == nil ? nil : resume?.fileLengths ?? RecordKind.allCases.map { _ in 0 })
        let operators = try makeOperators(options, sourceNames: recovery.sourceNames, resume: resume)
        let ingestCounters = Mutex(SignalCounters())
        let resumedEventsIn = Mutex<Int64>(0)
        var collector = ReplayCollector(
            ordered: OrderedOutput(
                shards: options.parallelism, allowedLatenessMs: options.config.time.allowedLatenessMs,
                resumingAt: resume?.watermark ?? .min, sequence: resume?.sequence ?? 0, records: resume?.pending ?? []),
            written: resume?.written ?? SignalCounters(), folder: folder, sink: sink, store: recovery.store,
            parallelism: options.parallelism,
            inputSizes: recovery.store == nil ? [] : InputFingerprint.sizes(of: sources))
        do {
            try await ShardedStage.run(operators: operators, sideType: Side.self) { dispatcher in
                var ingest = try IngestLoop(
                    options: options, sources: sources, dispatcher: dispatcher, started: started, progress: progress,
                    resume: resume, sourceNames: recovery.sourceNames)
                resumedEventsIn.withLock { $0 = ingest.state.counters.eventsIn }
                try await ingest.run()
                ingestCounters.withLock { $0 = ingest.state.counters }
            } collect: { (event: consuming ReplayCollector.Event) in
                try collector.handle(event)
            }
        } catch let error as ConnectorError {
            throw unfinished(
                error, options: options, folder: folder, lastCheckpoint: collector.stats.lastId ?? resume?.id)
        }
        guard collector.isDrained else {
            throw ConnectorError(.writeFailed, "internal error: a checkpoint barrier was left incomplete")
        }
        var rest: [SignalRecord] = []
        collector.ordered.drainAll { rest.append($0) }
        for record in rest { try collector.write(record) }
        var counters = ingestCounters.withLock { $0 }
        let written = collector.written
        counters.signalsOut = written.signalsOut
        counters.unresolvedReferences = written.unresolvedReferences
        _ = try sink?.commit()
        do {
            try folder.finish(summary: counters.summaryJSON())
        } catch {
            throw unfinished(
                error, options: options, folder: folder, lastCheckpoint: collector.stats.lastId ?? resume?.id)
        }
        try recovery.store?.markFinished(summary: counters.summaryJSON())
        let exports = try runExports(options)
        var result = ReplayResult(counters: counters, wallSeconds: (ContinuousClock.now - started).seconds)
        result.exports = exports
        result.resumedFrom = resume?.id
        result.resumedEventsIn = resumedEventsIn.withLock { $0 }
        result.checkpoints = collector.stats
        return result
    }

    /// `error` (a failed read or write, or a stop request) completed with what it leaves behind.
    static func unfinished(
        _ error: ConnectorError, options: ReplayOptions, folder: OutputFolder, lastCheckpoint: Int64?
    ) -> ConnectorError {
        let output =
            "\(options.outputPath) holds only unfinished *.jsonl.inprogress files (\(folder.bytesOnDisk) bytes "
            + "of records), nothing is final"
        // Running the command again helps only once what failed is mended.
        let first: String
        switch error.code {
        case .corrupt, .readFailed: first = "once the input reads again (repaired or replaced), "
        case .writeFailed: first = "once the output can be written (space, permissions), "
        default: first = ""
        }
        let next: String
        if let dir = options.checkpointDir {
            next =
                lastCheckpoint.map {
                    "checkpoint \($0) in \(dir) is kept: run the same command again to resume from it"
                }
                ?? "no checkpoint was taken yet: run the same command again to start over"
        } else {
            next = "run the command again to replay from the start"
        }
        var result = error
        result.message = "\(error.message); \(output); \(first)\(next)"
        return result
    }

    /// Writes the training-ready files the pipeline asks for (`exports:`) from the finished output.
    static func runExports(_ options: ReplayOptions) throws -> [ExportSummary] {
        try options.config.exports.map { spec in
            let file =
                spec.file.hasPrefix("/")
                ? spec.file : (options.outputPath as NSString).appendingPathComponent(spec.file)
            let exportOptions = ExportOptions(
                format: spec.format, sourcePath: options.outputPath, outputPath: file, dropEqual: !spec.keepEqual,
                dedupPrompt: spec.dedupPrompt, split: spec.split, minChars: spec.minChars)
            return try ExportJob.run(exportOptions)
        }
    }

    private static func makeOperators(
        _ options: ReplayOptions, sourceNames: [String], resume: CheckpointData?
    ) throws -> [SignalShardOperator] {
        try (0..<options.parallelism).map { shard in
            var op = SignalShardOperator(
                config: options.config, catalog: options.catalog, sourceNames: sourceNames)
            if let resume {
                let owned = KeyGroups.groups(ofShard: shard, parallelism: options.parallelism).map { resume.groups[$0] }
                try op.restore(groups: owned, watermark: resume.watermark)
            }
            return op
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
