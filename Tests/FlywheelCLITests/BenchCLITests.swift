import FlywheelTesting
import Foundation
import Testing

/// `flywheel bench run` and `flywheel bench latency` on small loads (what they report, not how fast),
/// and `flywheel bench` still running the replay benchmark.
struct BenchCLITests {
    @Test func benchRunComparesALiveRunWithAReplayOfTheSameRecords() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(
            ["bench", "run", "--events", "2000", "--rounds", "2", "--partitions", "1", "--parallelism", "2"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("round 1:") && result.stdout.contains("round 2:"), "\(result)")
        #expect(result.stdout.contains("run / replay"), "\(result)")
        // One partition: the live run released exactly the records of the replay (CONTRACT section 8).
        #expect(!result.stdout.contains("(records:"), "\(result)")
    }

    @Test func benchLatencyReportsPercentilesForPairsAndWindows() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(["bench", "latency", "--rate", "3000", "--seconds", "7", "--window-ms", "200"])
        #expect(result.status == 0, "\(result)")
        for kind in ["preference_pair", "model_quality"] {
            let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("\(kind) in the sink (flushed):") }
            #expect(line?.contains("p99") == true, "\(kind) has samples: \(result)")
        }
    }

    @Test(arguments: [
        (["bench", "run", "--events", "10"], "--events must be at least 1000, got 10"),
        (["bench", "run", "--rounds", "0"], "--rounds must be at least 1, got 0"),
        (["bench", "latency", "--rate", "0"], "--rate must be between 1 and 1000000, got 0"),
        (["bench", "latency", "--seconds", "-1"], "--seconds must be between 1 and 3600, got -1"),
    ])
    func badOptionsAreNamed(arguments: [String], message: String) throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
    }
}
