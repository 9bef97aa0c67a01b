import FlywheelEngine
import FlywheelSignals
import Foundation

/// The figures of one `flywheel bench` run.
public struct BenchReport: Sendable {
    public var events: Int64
    public var logBytes: Int64
    public var generateSeconds: Double
    public var decodeSeconds: Double
    /// Ingest steps and every operator in one shard, on one core, on pre-decoded lines.
    public var processSeconds: Double
    /// Wall time of each full replay, in run order.
    public var replayRuns: [Double]
    public var peakRSSBytes: Int64

    /// The median of the replays' wall times (of the middle two for an even count).
    public var replaySeconds: Double {
        let sorted = replayRuns.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    public var text: String {
        func rate(_ seconds: Double) -> String { seconds > 0 ? "\(Int(Double(events) / seconds)) events/s" : "-" }
        func format(_ seconds: Double) -> String { String(format: "%.2f", seconds) }
        let total = decodeSeconds + processSeconds
        let share = total > 0 ? Int((decodeSeconds / total * 100).rounded()) : 0
        let spread =
            replayRuns.count > 1
            ? "  (median of \(replayRuns.count) runs: \(replayRuns.map(format).joined(separator: ", ")) s)" : ""
        return """
            events                \(events) (\(logBytes / 1_048_576) MiB of JSONL)
            generate              \(format(generateSeconds)) s
            read + decode only    \(format(decodeSeconds)) s  \(rate(decodeSeconds))  (one core)
            processing only       \(format(processSeconds)) s  \(rate(processSeconds))  (one core)
            full replay           \(format(replaySeconds)) s  \(rate(replaySeconds))\(spread)
            decode : processing   \(share) : \(100 - share) of the single-core work
            peak RSS (replay)     \(peakRSSBytes / 1_048_576) MiB
            """
    }
}

/// Generates a log, then measures decoding alone and the full replay, in the same process.
public enum BenchJob {
    /// Writes the log to `logPath`, replays it `runs` times and reports the median, as this machine's
    /// speed drifts between runs.
    /// `conversationsPerMinute`: of the generated log (the generator's default when nil).
    public static func run(
        events: Int, conversationsPerMinute: Double? = nil, parallelism: Int, runs: Int = 3, logPath: String,
        config: PipelineConfig = .default, log: (String) -> Void
    ) async throws -> BenchReport {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-bench-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var options = GeneratorOptions()
        options.conversations = max(1, events / 10)
        if let conversationsPerMinute { options.conversationsPerMinute = conversationsPerMinute }
        log("generating about \(events) events...")
        let generateStart = ContinuousClock.now
        _ = try ConversationGenerator(options: options).write(toPath: logPath)
        let generateSeconds = (ContinuousClock.now - generateStart).seconds
        var replayRuns: [Double] = []
        var eventsIn: Int64 = 0
        for run in 1...max(1, runs) {
            log("replaying (run \(run) of \(max(1, runs)))...")
            let replay = try await ReplayJob.run(
                ReplayOptions(
                    inputs: [logPath], outputPath: (folder as NSString).appendingPathComponent("out"), config: config,
                    parallelism: parallelism, force: true))
            replayRuns.append(replay.wallSeconds)
            eventsIn = replay.counters.eventsIn
        }
        // Taken before the phases below, which hold the whole decoded log in memory.
        let replayRSS = peakRSS()
        log("reading and decoding...")
        let decodeStart = ContinuousClock.now
        var decoded: Int64 = 0
        try await ProcessingBench.decode(path: logPath, config: config) { decoded += Int64($0.count) }
        let decodeSeconds = (ContinuousClock.now - decodeStart).seconds
        log("processing pre-decoded events on one core...")
        let processing = try await ProcessingBench.run(path: logPath, config: config)
        let size = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int64) ?? 0
        return BenchReport(
            events: max(decoded, eventsIn), logBytes: size, generateSeconds: generateSeconds,
            decodeSeconds: decodeSeconds, processSeconds: processing.seconds, replayRuns: replayRuns,
            peakRSSBytes: replayRSS)
    }

    static func peakRSS() -> Int64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int64(usage.ru_maxrss) * 1024
    }
}
