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

    /// The replay benchmark on a log with more conversations open at once: it generates that log.
    @Test func benchReplayTakesTheRateOfNewConversations() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-cpm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("log.jsonl").path
        var times: [Double] = []
        for rate in ["5", "500"] {
            let result = try FlywheelCLI.run(
                ["bench", "--events", "2000", "--runs", "1", "--conversations-per-minute", rate, "--keep", log])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("full replay"), "\(result)")
            // The span of event time of the middle 80 % of the events: 200 conversations at `rate` per minute.
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let dates = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { line in
                ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["timestamp"] as? String
            }.compactMap(formatter.date(from:)).sorted()
            try #require(dates.count > 1000)
            times.append(dates[dates.count * 9 / 10].timeIntervalSince(dates[dates.count / 10]))
        }
        // About 40 minutes at 5 per minute; at 500, under a minute plus a conversation's length.
        #expect(times[0] > 20 * 60 && times[1] < 10 * 60, "\(times)")
    }

    @Test(arguments: [
        (["bench", "run", "--events", "10"], "--events must be at least 1000, got 10"),
        (["bench", "run", "--rounds", "0"], "--rounds must be at least 1, got 0"),
        (["bench", "latency", "--rate", "0"], "--rate must be between 1 and 1000000, got 0"),
        (["bench", "latency", "--seconds", "-1"], "--seconds must be between 1 and 3600, got -1"),
        (["bench", "--conversations-per-minute", "0"], "--conversations-per-minute must be > 0, got 0.0"),
    ])
    func badOptionsAreNamed(arguments: [String], message: String) throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
    }
}
