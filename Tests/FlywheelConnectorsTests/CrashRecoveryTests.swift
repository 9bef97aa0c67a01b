import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Synchronization
import Testing

/// `flywheel replay --checkpoint-dir` killed with SIGKILL at random moments and run again ends with
/// exactly the folder an uninterrupted replay writes, also when resumed at another parallelism.
@Suite(.serialized)
struct CrashRecoveryTests {
    static let binary = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/flywheel").path

    static func makeLog(in folder: TemporaryFolder, conversations: Int) throws -> String {
        try folder.generatedLog {
            $0.conversations = conversations
            $0.conversationsPerMinute = 300
            $0.duplicateRate = 0.03
            $0.lateRate = 0.01
            $0.malformedRate = 0.01
            $0.seed = 99
        }
    }

    /// Starts the CLI; kills it after `killAfter` seconds unless it ended first. Returns true if it ran
    /// to the end. Waits on a thread of its own, not on the threads every async test shares.
    static func run(_ arguments: [String], killAfter: Double?) async throws -> Bool {
        try await FlywheelCLI.offThePool { try runBlocking(arguments, killAfter: killAfter) }
    }

    private static func runBlocking(_ arguments: [String], killAfter: Double?) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let killAfter {
            let deadline = Date().addingTimeInterval(killAfter)
            while process.isRunning && Date() < deadline { usleep(5_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return process.terminationReason == .exit && process.terminationStatus == 0
    }

    @Test func replayKilledTwentyTimesEndsWithTheUninterruptedOutput() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the CLI first: swift build")
        let folder = try TemporaryFolder("crash")
        defer { folder.remove() }
        let log = try Self.makeLog(in: folder, conversations: 3000)
        _ = try await ReplayJob.run(ReplayOptions(inputs: [log], outputPath: folder.file("expected"), parallelism: 2))
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var attempts = 0
        while kills < 20 && attempts < 60 {
            attempts += 1
            let parallelism = Int.random(in: 1...4, using: &generator)
            let arguments = [
                "replay", log, "--out", folder.file("out"), "--checkpoint-dir", folder.file("checkpoints"),
                "--checkpoint-interval", "800events", "--parallelism", "\(parallelism)", "--batch-size", "256",
            ]
            let finished = try await Self.run(arguments, killAfter: Double.random(in: 0.05...0.6, using: &generator))
            if finished {
                // It got to the end: start over so that every kill lands in a running replay.
                try? FileManager.default.removeItem(atPath: folder.file("checkpoints"))
                try? FileManager.default.removeItem(atPath: folder.file("out"))
            } else {
                kills += 1
            }
        }
        #expect(kills >= 20)
        let completed = try await Self.run(
            [
                "replay", log, "--out", folder.file("out"), "--checkpoint-dir", folder.file("checkpoints"),
                "--parallelism", "3",
            ],
            killAfter: nil)
        #expect(completed)
        let expected = try folderBytes(folder.file("expected"))
        let got = try folderBytes(folder.file("out"))
        #expect(Set(got.keys) == Set(expected.keys))
        for (name, bytes) in expected { #expect(got[name] == bytes, "\(name) differs after \(kills) kills") }
    }

    @Test func outputTopicGetsEveryRecordExactlyOnceAcrossKills() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the CLI first: swift build")
        let folder = try TemporaryFolder("crash-topic")
        defer { folder.remove() }
        let log = try Self.makeLog(in: folder, conversations: 1500)
        let data = folder.file("data")
        try EmbeddedLog(directory: data).createTopic(Topic(name: "signals", partitions: 3))
        _ = try await ReplayJob.run(ReplayOptions(inputs: [log], outputPath: folder.file("expected"), parallelism: 2))
        let arguments = [
            "replay", log, "--out", folder.file("out"), "--checkpoint-dir", folder.file("checkpoints"),
            "--checkpoint-interval", "600events", "--batch-size", "256", "--data", data, "--out-topic", "signals",
        ]
        var kills = 0
        for attempt in 0..<30 where kills < 6 {
            if try await !Self.run(arguments, killAfter: 0.1 + Double(attempt % 5) * 0.08) { kills += 1 } else { break }
        }
        #expect(kills >= 1)
        await #expect(try Self.run(arguments, killAfter: nil))
        let byKind = try OutputTopic.recordsByKind(data: data, topic: "signals")
        #expect(
            try OutputTopic.kindsDifferingFromFiles(byKind, folder: folder.file("expected")).isEmpty,
            "after \(kills) kills")
    }

    @Test func damagedLatestCheckpointFallsBackToThePreviousOne() async throws {
        let folder = try TemporaryFolder("damaged")
        defer { folder.remove() }
        let log = try Self.makeLog(in: folder, conversations: 800)
        _ = try await ReplayJob.run(ReplayOptions(inputs: [log], outputPath: folder.file("expected"), parallelism: 2))
        var options = ReplayOptions(inputs: [log], outputPath: folder.file("out"), parallelism: 2)
        options.checkpointDir = folder.file("checkpoints")
        options.checkpointInterval = .events(500)
        _ = try await ReplayJob.run(options)
        // Simulate a crash after the last checkpoint: drop the finished marker, damage the newest file.
        let store = try CheckpointStore(path: folder.file("checkpoints"))
        try FileManager.default.removeItem(atPath: folder.file("checkpoints/finished.json"))
        let ids = store.ids()
        try #require(ids.count >= 2)
        let newest = folder.file("checkpoints/" + String(format: "checkpoint-%08lld.bin", ids.last!))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: newest))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: newest))
        let warnings = ReplayWarnings()
        options.warn = { warnings.append($0) }
        let result = try await ReplayJob.run(options)
        #expect(result.resumedFrom == ids[ids.count - 2])
        #expect(warnings.messages.count == 1)
        #expect(try folderBytes(folder.file("out")) == folderBytes(folder.file("expected")))
    }

    @Test func runningAFinishedReplayAgainLeavesItsOutput() async throws {
        let folder = try TemporaryFolder("finished")
        defer { folder.remove() }
        let log = try Self.makeLog(in: folder, conversations: 200)
        var options = ReplayOptions(inputs: [log], outputPath: folder.file("out"), parallelism: 2)
        options.checkpointDir = folder.file("checkpoints")
        let first = try await ReplayJob.run(options)
        let second = try await ReplayJob.run(options)
        #expect(second.alreadyFinished)
        #expect(second.counters == first.counters)
    }

    @Test func checkpointFolderOfAnotherJobIsRefused() async throws {
        let folder = try TemporaryFolder("otherjob")
        defer { folder.remove() }
        let log = try Self.makeLog(in: folder, conversations: 100)
        var options = ReplayOptions(inputs: [log], outputPath: folder.file("out"), parallelism: 1)
        options.checkpointDir = folder.file("checkpoints")
        _ = try await ReplayJob.run(options)
        options.outputPath = folder.file("elsewhere")
        await #expect(throws: ConnectorError.self) { try await ReplayJob.run(options) }
    }
}

/// Collects warnings from a replay (called from its tasks).
final class ReplayWarnings: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ message: String) { storage.withLock { $0.append(message) } }
    var messages: [String] { storage.withLock { $0 } }
}
