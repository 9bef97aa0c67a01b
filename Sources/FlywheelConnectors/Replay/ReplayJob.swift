import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// Replays finite inputs through the signal pipeline into an output folder: a job of the runtime
/// (`Job`) with bounded sources (files, topics read up to their end) and the replay folder as its
/// sink, plus what only a replay does: the checkpoint folder's job identity, `summary.json`,
/// exports.
public enum ReplayJob {
    /// The stable id of input `index` (its file or topic source) in checkpoints.
    static func sourceID(_ index: Int) -> String { "input-\(index)" }

    public static func run(
        _ options: ReplayOptions, progress: (@Sendable (ReplayProgress) -> Void)? = nil
    ) async throws -> ReplayResult {
        try ReplayPreflight.check(options)
        let external = options.inputs.contains(where: ReplayOptions.isExternal)
        if external && options.checkpointDir != nil {
            throw ConnectorError(
                .invalidOption,
                "--checkpoint-dir cannot resume a replay of a kafka:// input (its end moves): replay without it, or "
                    + "run the topic live with flywheel run --source kafka://..., which checkpoints")
        }
        let kafkaSinks = try kafkaSinks(options)
        let partitions = try ReplaySource.resolve(
            inputs: options.inputs.filter { !ReplayOptions.isExternal($0) }, dataDir: options.dataDir)
        let recovery = try ReplayRecovery(options: options, sources: partitions)
        if let summary = recovery.finishedSummary {
            return ReplayResult(counters: summary, wallSeconds: 0, alreadyFinished: true)
        }
        let resume = recovery.checkpoint
        try OutputFolder.checkEmpty(options.outputPath, force: options.force || recovery.isResume)
        try recovery.begin()
        let sources = try options.inputs.enumerated().map { index, input throws(ConnectorError) in
            JobSource(id: sourceID(index), source: try source(of: input, options: options))
        }
        let folder = ReplayFolderSink(path: options.outputPath, checkpointed: recovery.store != nil)
        // The folder finishes only after the other sinks (kafka, --out-topic) delivered everything.
        var out = JobSink(id: "out", sink: folder)
        out.closesLast = true
        var sinks = [out] + kafkaSinks
        if let topic = options.outputTopic {
            guard let dataDir = options.dataDir else {
                throw ConnectorError(.writeFailed, "--out-topic needs the log folder: pass --data DIR")
            }
            let sink = try TopicSink(
                dataDir: dataDir, topics: [(topic, RecordKind.allCases)], create: false, store: recovery.store)
            sinks.append(JobSink(id: "out-topic", sink: sink))
        }
        var job = JobOptions(
            config: options.config, catalog: options.catalog, mode: .replay, parallelism: options.parallelism,
            batchLines: options.batchLines,
            checkpointInterval: options.checkpointDir == nil ? nil : options.checkpointInterval)
        job.stopRequested = { [stop = options.stop] in stop?.stopSignal }
        job.progress = progress
        job.warn = options.warn
        // Kafka inputs name their partitions once opened (kafka:CLUSTER/TOPIC/N).
        job.sourceNames = external ? nil : recovery.sourceNames
        let outcome: JobResult
        do {
            outcome = try await Job.run(job, sources: sources, sinks: sinks, storage: recovery.store, resume: resume)
        } catch {
            throw unfinished(
                connectorError(error), options: options, folder: folder,
                lastCheckpoint: lastCheckpoint(recovery.store) ?? resume?.id)
        }
        try recovery.store?.markFinished(summary: outcome.counters.summaryJSON())
        var result = ReplayResult(counters: outcome.counters, wallSeconds: outcome.wallSeconds)
        result.exports = try runExports(options)
        result.resumedFrom = resume?.id
        result.resumedEventsIn = outcome.resumedEventsIn
        result.checkpoints = outcome.checkpoints
        return result
    }

    /// The pipeline's `kind: kafka` sinks, made before anything is created (no request is sent yet).
    static func kafkaSinks(_ options: ReplayOptions) throws(ConnectorError) -> [JobSink] {
        var sinks: [JobSink] = []
        for spec in options.config.sinks {
            guard case .kafka = spec.kind else { continue }
            let place = "sink \(spec.name) (line \(spec.line))"
            guard let make = options.externalSink else {
                throw ConnectorError(.invalidOption, "\(place): kafka sinks run in the flywheel binary only")
            }
            let sink: any Sink
            do {
                sink = try make(spec)
            } catch let error as ConnectorError {
                throw ConnectorError(error.code, "\(place): \(error.message)", cause: error)
            } catch {
                throw ConnectorError(.invalidOption, "\(place): \(error)")
            }
            // Not "out" or "out-topic", the replay's own sinks: their checkpoint sections keep their ids.
            sinks.append(
                JobSink(id: "sink-\(spec.name)", sink: sink, kinds: spec.kinds, linger: .milliseconds(spec.lingerMs)))
        }
        return sinks
    }

    /// The source of one replay input: a file (or standard input), or `topic:NAME` read to its end.
    static func source(of input: String, options: ReplayOptions) throws(ConnectorError) -> any Source {
        if ReplayOptions.isExternal(input) {
            guard let open = options.externalInput else {
                throw ConnectorError(
                    .invalidOption,
                    "input \(input): kafka inputs need a flywheel built with librdkafka (install librdkafka-dev and "
                        + "rebuild; see the README, Kafka)")
            }
            do {
                if let source = try open(input) { return source }
            } catch let error as ConnectorError {
                throw error
            } catch {
                throw ConnectorError(.invalidOption, "input \(input): \(error)")
            }
        }
        guard let name = ReplaySource.topicName(of: input) else { return FileSource(path: input, stop: options.stop) }
        guard let dataDir = options.dataDir else {
            throw ConnectorError(.inputNotFound, "input \(input) is a topic: pass the log folder with --data DIR")
        }
        return try TopicSource(dataDir: dataDir, topic: name)
    }

    /// The newest checkpoint in the folder now (a failed run may have written some).
    private static func lastCheckpoint(_ store: CheckpointStore?) -> Int64? { store?.ids().last }

    /// An error of the runtime as the replay reports it (sources and sinks throw their own).
    static func connectorError(_ error: any Error) -> ConnectorError {
        if let error = error as? ConnectorError { return error }
        guard let error = error as? RuntimeError else {
            return ConnectorError(.writeFailed, "\(error)", cause: error)
        }
        if let cause = error.cause as? ConnectorError { return cause }
        switch error.code {
        case .interrupted: return ConnectorError(.interrupted, error.message, cause: error)
        case .checkpointMismatch: return ConnectorError(.checkpointMismatch, error.message, cause: error)
        default: return ConnectorError(.writeFailed, error.message, cause: error)
        }
    }

    /// `error` (a failed read or write, or a stop request) completed with what it leaves behind.
    static func unfinished(
        _ error: ConnectorError, options: ReplayOptions, folder: ReplayFolderSink, lastCheckpoint: Int64?
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
}
