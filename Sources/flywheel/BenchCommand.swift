import ArgumentParser
import FlywheelConnectors
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure replay throughput and memory on a generated log.",
        discussion: """
            Generates about N events (deterministic), then measures in one run: reading + decoding alone,
            and the full replay with the default pipeline. Reports events/s for each, the share of time
            spent reading and decoding, and the peak resident memory of the process.
            Build in release mode for meaningful figures: swift run -c release flywheel bench
            """)

    @Option(help: "Approximate number of events to generate.")
    var events: Int = 1_000_000

    @Option(help: "Number of shards for the replay.")
    var parallelism: Int = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)

    @Option(help: "Keep the generated log at this path instead of a temporary file.")
    var keep: String?

    func validate() throws {
        guard events >= 1000 else { throw ValidationError("--events must be at least 1000") }
        guard parallelism >= 1 else { throw ValidationError("--parallelism must be >= 1") }
    }

    func run() async throws {
        let report = try await BenchJob.run(events: events, parallelism: parallelism, keepLogAt: keep) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        print(report.text)
    }
}
