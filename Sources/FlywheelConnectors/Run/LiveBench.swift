import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation
import Synchronization

/// One round of `flywheel bench run`: a replay of the topic and a live run of it.
public struct LiveBenchRound: Sendable {
    public var replaySeconds: Double
    /// Live: from the job's start until it had read every record of the topic.
    public var readSeconds: Double
    /// Live: from the job's start until the sink got its last record (after the idle advance).
    public var drainSeconds: Double
    public var replayRecords: Int64
    public var liveRecords: Int64
    /// CPU time of the process (every thread) during the replay, and during the live run until it
    /// was asked to stop (its final checkpoint left out).
    public var replayCPUSeconds: Double = 0
    public var liveCPUSeconds: Double = 0
}

/// The figures of `flywheel bench run`.
public struct LiveBenchReport: Sendable {
    public var events: Int64
    public var partitions: Int
    public var idleTimeoutMs: Int64
    public var rounds: [LiveBenchRound]

    /// The median of `values` (0 when empty); `flywheel kafka bench` reports with it too.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    public var text: String {
        func rate(_ seconds: Double) -> String { seconds > 0 ? "\(Int(Double(events) / seconds)) events/s" : "-" }
        func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }
        func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
        var lines = ["events \(events) in topic events (\(partitions) partitions), idle_timeout \(idleTimeoutMs) ms"]
        for (index, round) in rounds.enumerated() {
            lines.append(
                "round \(index + 1): replay \(seconds(round.replaySeconds))  run: read \(seconds(round.readSeconds)), "
                    + "last record \(seconds(round.drainSeconds))  run/replay \(percent(round.replaySeconds / round.drainSeconds))"
                    + String(format: "  CPU %.2f s / %.2f s", round.replayCPUSeconds, round.liveCPUSeconds)
                    + (round.liveRecords == round.replayRecords
                        ? "" : "  (records: replay \(round.replayRecords), run \(round.liveRecords))"))
        }
        let replay = Self.median(rounds.map(\.replaySeconds))
        let read = Self.median(rounds.map(\.readSeconds))
        let drain = Self.median(rounds.map(\.drainSeconds))
        let ratios = rounds.map { $0.replaySeconds / $0.drainSeconds }
        let cpuRatios = rounds.map { $0.liveCPUSeconds > 0 ? $0.replayCPUSeconds / $0.liveCPUSeconds : 0 }
        lines += [
            "replay (topic:events)        \(seconds(replay))  \(rate(replay))  (median of \(rounds.count))",
            "run, every record read       \(seconds(read))  \(rate(read))",
            "run, last record in the sink \(seconds(drain))  \(rate(drain))  (includes idle_timeout)",
            "run / replay                 \(percent(Self.median(ratios)))  (median of the rounds' ratios)",
            "run / replay, events per CPU-second  \(percent(Self.median(cpuRatios)))",
        ]
        return lines.joined(separator: "\n")
    }
}

/// `flywheel bench run`: generates a log, produces it into a topic of a temporary data folder, then
/// alternates a replay of `topic:events` and a live job (`Job.run`, as `flywheel run` runs it) that
/// consumes the topic from the earliest offset into a folder sink, and is stopped once it has read
/// every record and the idle advance has released everything.
public enum LiveBench {
    public static func run(
        events: Int, partitions: Int, parallelism: Int, rounds: Int, idleTimeoutMs: Int64,
        config: PipelineConfig = .default, log: (String) -> Void
    ) async throws -> LiveBenchReport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-bench-run-\(getpid())")
            .path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = (folder as NSString).appendingPathComponent("data")
        let total = try produce(events: events, partitions: partitions, folder: folder, data: data, log: log)
        var config = config
        config.time.idleTimeoutMs = idleTimeoutMs
        var report = LiveBenchReport(events: total, partitions: partitions, idleTimeoutMs: idleTimeoutMs, rounds: [])
        for round in 1...max(1, rounds) {
            let roundFolder = (folder as NSString).appendingPathComponent("round-\(round)")
            log("round \(round) of \(max(1, rounds)): replay...")
            var options = ReplayOptions(
                inputs: ["topic:events"], outputPath: (roundFolder as NSString).appendingPathComponent("replay"),
                config: config, parallelism: parallelism, force: true)
            options.dataDir = data
            let cpuBefore = cpuSeconds()
            let replay = try await ReplayJob.run(options)
            let replayCPU = cpuSeconds() - cpuBefore
            log("round \(round) of \(max(1, rounds)): run...")
            let live = try await runLive(
                source: try TopicSource(dataDir: data, topic: "events", live: .earliest), folder: roundFolder,
                total: total, config: config, parallelism: parallelism)
            report.rounds.append(
                LiveBenchRound(
                    replaySeconds: replay.wallSeconds, readSeconds: live.read, drainSeconds: live.drain,
                    replayRecords: try countLines(in: (roundFolder as NSString).appendingPathComponent("replay")),
                    liveRecords: live.records, replayCPUSeconds: replayCPU, liveCPUSeconds: live.cpu))
            try? FileManager.default.removeItem(atPath: roundFolder)
        }
        return report
    }

    /// Generates about `events` events and appends them to topic `events` (keyed by conversation).
    static func produce(
        events: Int, partitions: Int, folder: String, data: String, log: (String) -> Void
    ) throws -> Int64 {
        let path = (folder as NSString).appendingPathComponent("events.jsonl")
        var generator = GeneratorOptions()
        generator.conversations = max(1, events / 10)
        log("generating about \(events) events...")
        _ = try ConversationGenerator(options: generator).write(toPath: path)
        log("producing them into topic events (\(partitions) partitions)...")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        _ = try EmbeddedLog(directory: data).createTopic(Topic(name: "events", partitions: partitions))
        var produce = TopicProduceOptions(dataDirectory: data, topic: "events")
        produce.inputPath = path
        produce.keyField = "conversation_id"
        produce.fsync = .never
        let summary = try TopicProduceJob.run(produce)
        try? FileManager.default.removeItem(atPath: path)
        return summary.records
    }

    /// A live job of `config` over `source` (any source: `flywheel kafka bench` passes a kafka source), with
    /// a folder sink and checkpoints in `folder`, stopped once it read `total` lines and the idle advance
    /// released everything: seconds from its start until it had read them all, and until the sink got its last
    /// record; the records the sink got; the process's CPU seconds meanwhile.
    public static func runLive(
        source inner: any Source, folder: String, total: Int64, config: PipelineConfig, parallelism: Int
    ) async throws -> (read: Double, drain: Double, records: Int64, cpu: Double) {
        let source = CountingSource(inner, total: total)
        let spec = RunJob.defaultSink
        guard case .folder(_, let rollBytes, let rollAgeMs) = spec.kind else { preconditionFailure() }
        let folderSink = try RollingFolderSink(
            path: (folder as NSString).appendingPathComponent("run"), rollBytes: rollBytes, rollAgeMs: rollAgeMs,
            clock: .continuous)
        let sink = ProbeSink(inner: folderSink)
        let checkpoints = (folder as NSString).appendingPathComponent("checkpoints")
        try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
        let store = try CheckpointStore(path: checkpoints)
        var job = JobOptions(
            config: config, mode: .live, parallelism: parallelism,
            checkpointInterval: .seconds(Double(config.checkpoint.intervalMs) / 1000))
        let stop = StopSignals([])
        job.stopRequested = { stop.stopSignal }
        let started = ContinuousClock.now
        let cpuBefore = cpuSeconds()
        let running = Task { [job] in
            try await Job.run(
                job, sources: [JobSource(id: "events", source: source)], sinks: [JobSink(id: "signals", sink: sink)],
                storage: store)
        }
        // Stop once every record was read, the idle timeout has passed since, and the sink got nothing
        // for a while: the idle advance has released everything.
        let quiet = Duration.milliseconds(config.time.idleTimeoutMs) + .milliseconds(500)
        while true {
            try await Task.sleep(for: .milliseconds(10))
            if let read = source.finishedAt, ContinuousClock.now - read >= quiet,
                let last = sink.current.lastWrite, ContinuousClock.now - last >= .milliseconds(500)
            {
                break
            }
        }
        let cpu = cpuSeconds() - cpuBefore
        stop.stop()
        _ = try await running.value
        let samples = sink.current
        return (
            (source.finishedAt.map { $0 - started } ?? .zero).seconds,
            (samples.lastWrite.map { $0 - started } ?? .zero).seconds, samples.records, cpu
        )
    }

    /// User + system CPU time of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Lines in the `.jsonl` files of a replay folder's record kinds.
    static func countLines(in folder: String) throws -> Int64 {
        var count: Int64 = 0
        for kind in RecordKind.allCases {
            let path = (folder as NSString).appendingPathComponent(kind.fileName)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            count += Int64(data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
        }
        return count
    }
}
