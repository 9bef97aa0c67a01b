import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// The figures of `flywheel bench latency`.
public struct LatencyBenchReport: Sendable {
    public var rate: Int
    public var seconds: Double
    public var appended: Int
    public var windowMs: Int64
    /// Records of every kind the sink got.
    public var records: Int64
    /// Checkpoints completed, and the collector's time spent completing them (sinks' snapshots,
    /// the checkpoint write, commits), in seconds.
    public var checkpoints = 0
    public var checkpointSeconds = 0.0
    /// Delays in ms from the moment W allowed a record (the append of the event that moved W past
    /// it) to its hand-over to the sink, and to its flush (visible in the folder sink).
    public var written: [RecordKind: [Int64]]
    public var visible: [RecordKind: [Int64]]

    public var text: String {
        var lines = [
            "appended \(appended) events in \(String(format: "%.1f", seconds)) s "
                + "(\(Int(Double(appended) / max(seconds, 0.001))) events/s, target \(rate)), "
                + "model_quality window \(windowMs) ms, linger 100 ms; \(records) records in the sink"
        ]
        if checkpoints > 0 {
            lines.append(
                "\(checkpoints) checkpoints, \(Int(checkpointSeconds / Double(checkpoints) * 1000)) ms each on average "
                    + "in the collector (sink snapshots, checkpoint write, commits)")
        }
        for kind in [RecordKind.preferencePair, .modelQuality] {
            lines.append("\(kind.name) in the sink (flushed): \(Percentiles.summary(visible[kind] ?? []))")
            lines.append("\(kind.name) handed to the sink:  \(Percentiles.summary(written[kind] ?? []))")
        }
        return lines.joined(separator: "\n")
    }
}

/// `flywheel bench latency`: a live job in this process consumes a topic while a producer thread
/// appends generated events at a steady rate, each stamped with the wall clock (its `timestamp` and
/// its log record's), so W follows the wall clock and windows close as time passes. A probe sink
/// in front of a folder sink measures, per preference_pair and model_quality record, the delay from
/// the moment W allowed it to the moment it was written and flushed.
public enum LatencyBench {
    public static func run(
        rate: Int, seconds: Double, partitions: Int, parallelism: Int, windowMs: Int64, checkpointMs: Int64 = 10_000,
        config: PipelineConfig = .default, log: (String) -> Void
    ) async throws -> LatencyBenchReport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-bench-lat-\(getpid())")
            .path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = (folder as NSString).appendingPathComponent("data")
        let lines = try generate(events: Int(Double(rate) * seconds) + rate, folder: folder, log: log)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        _ = try EmbeddedLog(directory: data).createTopic(Topic(name: "events", partitions: partitions))
        var config = config
        config.signals.modelQualityWindowMs = windowMs
        let ooo = config.time.maxOutOfOrdernessMs
        let lateness = config.time.allowedLatenessMs
        let sink = ProbeSink(
            inner: try RollingFolderSink(
                path: (folder as NSString).appendingPathComponent("signals"),
                rollBytes: PipelineConfig.SinkSpec.defaultRollBytes,
                rollAgeMs: PipelineConfig.SinkSpec.defaultRollAgeMs, clock: .continuous)
        ) { record in
            switch record.kind {
            case .preferencePair: return record.key.first + ooo + 1
            case .modelQuality: return record.key.first + lateness + ooo
            default: return nil
            }
        }
        let checkpoints = (folder as NSString).appendingPathComponent("checkpoints")
        try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
        let store = try CheckpointStore(path: checkpoints)
        var job = JobOptions(
            config: config, mode: .live, parallelism: parallelism,
            checkpointInterval: checkpointMs > 0 ? .seconds(Double(checkpointMs) / 1000) : nil)
        let stop = StopSignals([])
        job.stopRequested = { stop.stopSignal }
        let source = try TopicSource(dataDir: data, topic: "events", live: .earliest)
        let running = Task { [job] in
            try await Job.run(
                job, sources: [JobSource(id: "events", source: source)], sinks: [JobSink(id: "signals", sink: sink)],
                storage: store)
        }
        log("producing \(rate) events/s for \(seconds) s...")
        let producer = SteadyProducer(data: data, lines: lines, rate: rate, seconds: seconds)
        let appended: Int
        do {
            appended = try await producer.run()
        } catch {
            stop.stop()
            _ = try? await running.value
            throw error
        }
        // The records that the last appends made due reach the sink within the linger and a tick.
        try await Task.sleep(for: .seconds(1))
        stop.stop()
        let result = try await running.value
        let samples = sink.current
        var report = LatencyBenchReport(
            rate: rate, seconds: seconds, appended: appended, windowMs: windowMs, records: samples.records,
            written: samples.written,
            visible: samples.visible)
        report.checkpoints = result.checkpoints.count
        report.checkpointSeconds = result.checkpoints.totalSeconds
        return report
    }

    /// The lines of a generated log of about `events` events, in event-time order (no disorder, no
    /// late events, UTC timestamps), whose timestamps the producer overwrites.
    static func generate(events: Int, folder: String, log: (String) -> Void) throws -> [[UInt8]] {
        let path = (folder as NSString).appendingPathComponent("events.jsonl")
        var options = GeneratorOptions()
        options.conversations = max(1, events / 10)
        options.maxDisorderMs = 0
        options.lateRate = 0
        options.utcOffsetRate = 0
        log("generating about \(events) events...")
        _ = try ConversationGenerator(options: options).write(toPath: path)
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw ConnectorError(.readFailed, "cannot read the generated log \(path)")
        }
        return bytes.split(separator: 0x0A).map(Array.init)
    }
}
