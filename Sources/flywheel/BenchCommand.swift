import ArgumentParser
import FlywheelConnectors
import FlywheelSignals
import Foundation

/// `flywheel bench` (and `flywheel bench replay`): replay throughput and memory.
struct BenchReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Measure replay throughput and memory on a generated log (the default).",
        discussion: """
            Generates about N events (deterministic), then measures in one run: the full replay with the \
            default pipeline (--runs times; the median is reported, with every run's time), reading + \
            decoding alone, and ingest + operators alone on one core. Reports events/s for each, the share \
            of time spent reading and decoding, and the peak resident memory of the replays.

            --python-baseline SCRIPT also runs a single-threaded Python script on the same log and prints \
            the ratio; the script and python3 are checked before the benchmark starts.

            Build in release mode for meaningful figures:
              swift run -c release flywheel bench
              swift run -c release flywheel bench --events 200000 \\
                  --python-baseline Tests/Baselines/model_quality.py
            More conversations open at once (130,000 over 10 hours of event time):
              swift run -c release flywheel bench --events 1300000 \\
                  --conversations-per-minute 216.7
            """)

    // Numbers are parsed unconditionally, so that "--events -5" reaches validation instead of reading as a flag.
    @Option(parsing: .unconditional, help: "Approximate number of events to generate.")
    var events: Int = 1_000_000

    @Option(
        parsing: .unconditional,
        help: "New conversations per minute of event time in the generated log (more means more open at once).")
    var conversationsPerMinute: Double = GeneratorOptions().conversationsPerMinute

    @Option(parsing: .unconditional, help: "Number of shards for the replay.")
    var parallelism: Int = ReplayOptions.defaultParallelism()

    @Option(
        parsing: .unconditional,
        help: "Number of full replays; the median is reported (shared machines drift between runs).")
    var runs: Int = 3

    @Option(help: "Pipeline file for the replay (default: the built-in pipeline, every signal).")
    var pipeline: String?

    @Option(help: "Keep the generated log at this path instead of a temporary file.")
    var keep: String?

    @Option(
        help: ArgumentHelp(
            "Also run this Python baseline on the same log and print the ratio (e.g. Tests/Baselines/model_quality.py).",
            discussion: "Needs python3 with orjson. The baseline computes model_quality alone, single-threaded."))
    var pythonBaseline: String?

    func validate() throws {
        guard events >= 1000 else { throw ValidationError("--events must be at least 1000, got \(events)") }
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be 1 or more, got \(parallelism)") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
        guard conversationsPerMinute > 0 && conversationsPerMinute.isFinite else {
            throw ValidationError("--conversations-per-minute must be > 0, got \(conversationsPerMinute)")
        }
        if let pythonBaseline { _ = try PythonBaseline.check(script: pythonBaseline) }
    }

    func run() async throws {
        let log =
            keep
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-bench-\(getpid()).jsonl").path
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: log) } }
        let loaded = try CLIErrors.pipeline { () throws(PipelineError) in try LoadedPipeline.load(path: pipeline) }
        let report = try await BenchJob.run(
            events: events, conversationsPerMinute: conversationsPerMinute, parallelism: parallelism, runs: runs,
            logPath: log, config: loaded.config
        ) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print(report.text)
        if let pythonBaseline { try runBaseline(pythonBaseline, log: log, report: report) }
    }

    private func runBaseline(_ script: String, log: String, report: BenchReport) throws {
        FileHandle.standardError.write(Data("running the Python baseline...\n".utf8))
        let seconds: Double
        do {
            seconds = try PythonBaseline.run(python: PythonBaseline.check(script: script), script: script, log: log)
        } catch let error as ValidationError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        let rate = Double(report.events) / seconds
        print(String(format: "python baseline       %.2f s  %d events/s  (model_quality alone)", seconds, Int(rate)))
        print(String(format: "full replay / python  %.2fx", (Double(report.events) / report.replaySeconds) / rate))
    }
}
