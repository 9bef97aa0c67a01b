import ArgumentParser
import FlywheelConnectors
import FlywheelSignals
import Foundation

/// `flywheel bench`: the benchmarks; without a subcommand, the replay benchmark.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure replay throughput, live-run throughput and live latency on generated logs.",
        discussion: """
            Without a subcommand, runs the replay benchmark (flywheel bench replay). Build in release \
            mode for meaningful figures:
              swift run -c release flywheel bench --events 1000000
              swift run -c release flywheel bench run --events 1000000 --rounds 3
              swift run -c release flywheel bench latency --rate 20000 --seconds 30
            """,
        subcommands: [
            BenchReplayCommand.self, BenchRunCommand.self, BenchLatencyCommand.self, BenchForwardCommand.self,
            BenchReceiverCommand.self, BenchDedupCommand.self, BenchCheckpointCommand.self,
            BenchStateCommand.self,
        ],
        defaultSubcommand: BenchReplayCommand.self)
}

/// `flywheel bench run`: a live run of a topic against a replay of it.
struct BenchRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Compare a live run consuming an existing topic with a replay of the same topic.",
        discussion: """
            Generates about N events and produces them into topic events of a temporary data folder \
            (not timed), then alternates, --rounds times, a replay of topic:events and a live job (as \
            flywheel run runs it: topic source from the earliest offset, folder sink, checkpoints every \
            10 s) that is stopped once it has read every record and the idle advance has released \
            everything. Reports each round, the medians and the ratio run / replay; the live time runs \
            to the last record handed to the sink, so it includes --idle-timeout.
            """)

    @Option(parsing: .unconditional, help: "Approximate number of events to generate.")
    var events: Int = 1_000_000

    @Option(parsing: .unconditional, help: "Partitions of the topic.")
    var partitions: Int = 1

    @Option(parsing: .unconditional, help: "Number of shards of both jobs.")
    var parallelism: Int = ReplayOptions.defaultParallelism()

    @Option(parsing: .unconditional, help: "Replay + run rounds; the medians are reported.")
    var rounds: Int = 3

    @Option(
        parsing: .unconditional,
        help: "time.idle_timeout of the live run, in ms (how long after the last record the idle advance starts).")
    var idleTimeoutMs: Int = 100

    func validate() throws {
        guard events >= 1000 else { throw ValidationError("--events must be at least 1000, got \(events)") }
        guard (1...64).contains(partitions) else {
            throw ValidationError("--partitions must be between 1 and 64, got \(partitions)")
        }
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be 1 or more, got \(parallelism)") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        guard idleTimeoutMs >= 1 else {
            throw ValidationError("--idle-timeout-ms must be at least 1, got \(idleTimeoutMs)")
        }
    }

    func run() async throws {
        let report = try await LiveBench.run(
            events: events, partitions: partitions, parallelism: parallelism, rounds: rounds,
            idleTimeoutMs: Int64(idleTimeoutMs)
        ) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        print(report.text)
    }
}

/// `flywheel bench latency`: append-to-sink latency of a live job at a steady rate.
struct BenchLatencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Measure the latency of a live run at a steady rate of events.",
        discussion: """
            Runs a live job in this process on a topic of a temporary data folder while a producer \
            thread appends generated events at --rate events/s for --seconds, each stamped with the wall \
            clock, so W follows it. For each preference_pair and model_quality record, reports p50 and \
            p99 of the delay from the moment W allowed it (the append of the event that moved W past \
            it) to its flush into the folder sink (default linger 100 ms), and to its hand-over to the sink.
            """)

    @Option(parsing: .unconditional, help: "Events appended per second.")
    var rate: Int = 20_000

    @Option(parsing: .unconditional, help: "How long the producer appends, in seconds.")
    var seconds: Int = 30

    @Option(parsing: .unconditional, help: "Partitions of the topic (batches go to each in turn).")
    var partitions: Int = 1

    @Option(parsing: .unconditional, help: "Number of shards.")
    var parallelism: Int = ReplayOptions.defaultParallelism()

    @Option(parsing: .unconditional, help: "The model_quality window in ms (short, so that many windows close).")
    var windowMs: Int = 1000

    @Option(
        parsing: .unconditional, help: "Checkpoint interval in ms (0: no checkpoints); flywheel run's default is 10 s.")
    var checkpointMs: Int = 10_000

    func validate() throws {
        guard (1...1_000_000).contains(rate) else {
            throw ValidationError("--rate must be between 1 and 1000000, got \(rate)")
        }
        guard (1...3600).contains(seconds) else {
            throw ValidationError("--seconds must be between 1 and 3600, got \(seconds)")
        }
        guard (1...64).contains(partitions) else {
            throw ValidationError("--partitions must be between 1 and 64, got \(partitions)")
        }
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be 1 or more, got \(parallelism)") }
        guard windowMs >= 1 else { throw ValidationError("--window-ms must be at least 1, got \(windowMs)") }
        guard checkpointMs >= 0 else {
            throw ValidationError("--checkpoint-ms must be 0 (none) or more, got \(checkpointMs)")
        }
    }

    func run() async throws {
        let report = try await LatencyBench.run(
            rate: rate, seconds: Double(seconds), partitions: partitions, parallelism: parallelism,
            windowMs: Int64(windowMs), checkpointMs: Int64(checkpointMs)
        ) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        print(report.text)
    }
}
