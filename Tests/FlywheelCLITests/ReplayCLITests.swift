import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// `flywheel replay` and `flywheel checkpoint` as a user meets them: signals, messages, exit codes.
@Suite(.serialized)
struct ReplayCLITests {
    static func log(in folder: TemporaryFolder, conversations: Int) throws -> String {
        try folder.generatedLog {
            $0.conversations = conversations
            $0.seed = 21
        }
    }

    /// Waits (at most a minute) until `condition` holds; false if it never did.
    static func waitUntil(_ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(60)
        while !condition() {
            if Date() > deadline { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Runs `body`, which blocks (it waits for a process), on a Dispatch thread: blocking one of the
    /// few threads of the cooperative pool would starve the async tests of other suites meanwhile.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await FlywheelCLI.offThePool(body)
    }

    /// `flywheel ARGUMENTS` run to its end, off the cooperative pool.
    static func run(_ arguments: [String], directory: String? = nil, environment: [String: String] = [:])
        async throws -> FlywheelCLI.Result
    {
        try await blocking { try FlywheelCLI.run(arguments, directory: directory, environment: environment) }
    }

    static func names(in path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    @Test func sigintStopsAReplayOfStandardInputWithNothingFinal() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-sigint")
        defer { folder.remove() }
        // Enough lines for records to be produced, and few enough that they are all still in memory.
        let lines = try Data(contentsOf: URL(fileURLWithPath: try Self.log(in: folder, conversations: 1500)))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FlywheelCLI.binary)
        process.arguments = ["replay", "-", "--out", folder.file("out")]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        // Standard input stays open: the replay waits for more lines when the signal comes.
        try? input.fileHandleForWriting.write(contentsOf: lines)
        let started = try await Self.waitUntil {
            Self.names(in: folder.file("out")).count >= RecordKind.allCases.count
        }
        kill(process.processIdentifier, SIGINT)
        let waited = Waited(process)
        try await Self.blocking { waited.process.waitUntilExit() }
        try? input.fileHandleForWriting.close()
        let stderr = String(decoding: FlywheelCLI.readToEnd(errors.fileHandleForReading.fileDescriptor), as: UTF8.self)
        #expect(started)
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted by SIGINT"), "\(stderr)")
        #expect(stderr.contains("nothing is final"))
        let names = Self.names(in: folder.file("out"))
        #expect(names.allSatisfy { $0.hasSuffix(".inprogress") }, "\(names)")
        // The bytes it says it left are the bytes in the files (it counted records still in memory).
        let onDisk = try names.reduce(0) {
            $0 + (try FileManager.default.attributesOfItem(atPath: folder.file("out/\($1)"))[.size] as? Int ?? 0)
        }
        #expect(stderr.contains("files (\(onDisk) bytes of records)"), "\(stderr)")
    }

    /// A named pipe whose writer has not come yet: SIGINT stops the replay (the first one was lost
    /// while open(2) waited for the writer), and a writer that comes is read to the end.
    @Test func sigintStopsAReplayWaitingForAPipesWriter() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-fifo")
        defer { folder.remove() }
        try #require(mkfifo(folder.file("events.jsonl"), 0o644) == 0)
        let running = try FlywheelCLI.start(["replay", folder.file("events.jsonl"), "--out", folder.file("out")])
        let waiting = try await Self.waitUntil { Self.names(in: folder.file("out")).count >= RecordKind.allCases.count }
        try await Task.sleep(for: .milliseconds(200))
        running.send(SIGINT)
        let stopped = try await Self.blocking { running.wait(timeout: 20) }
        #expect(waiting)
        #expect(!stopped.signaled && stopped.status == 130, "\(stopped)")
        #expect(stopped.stderr.contains("interrupted by SIGINT"), "\(stopped)")
        // With a writer, it reads the pipe to its end.
        let log = try Self.log(in: folder, conversations: 20)
        let replay = try FlywheelCLI.start(["replay", folder.file("events.jsonl"), "--out", folder.file("again")])
        try await Self.blocking {
            let writer = FileHandle(forWritingAtPath: folder.file("events.jsonl"))
            writer?.write(try Data(contentsOf: URL(fileURLWithPath: log)))
            try writer?.close()
        }
        let done = try await Self.blocking { replay.wait(timeout: 60) }
        #expect(done.status == 0, "\(done)")
        let expected = try await Self.run(["replay", log, "--out", folder.file("expected")])
        #expect(done.stdout.split(separator: "\n").dropFirst() == expected.stdout.split(separator: "\n").dropFirst())
    }

    /// Damaged gzip on standard input names it "standard input", not "-".
    @Test func damagedGzipOnStandardInputIsNamed() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-stdin-gzip")
        defer { folder.remove() }
        let compressed = try gzipped(try Self.log(in: folder, conversations: 30))
        for (stdin, phrase) in [
            (compressed.prefix(compressed.count / 2), "standard input is truncated"),
            (compressed + Data("junk".utf8), "standard input has data after the end of its gzip stream"),
        ] {
            let result = try await Self.blocking {
                try FlywheelCLI.run(["replay", "-", "--out", folder.file("out")], stdin: Data(stdin))
            }
            #expect(result.status == 1 && result.stderr.contains(phrase), "\(result)")
        }
    }

    /// The log is long enough (about 150k events) that the replay is still running when the first
    /// checkpoint appears and the signal comes.
    @Test func sigtermStopsACheckpointedReplayAndTheNextRunResumes() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-sigterm")
        defer { folder.remove() }
        let log = try Self.log(in: folder, conversations: 15_000)
        let arguments = [
            "replay", log, "--out", folder.file("out"), "--checkpoint-dir", folder.file("checkpoints"),
            "--checkpoint-interval", "5000events", "--batch-size", "256",
        ]
        let running = try FlywheelCLI.start(arguments)
        let checkpointed = try await Self.waitUntil {
            Self.names(in: folder.file("checkpoints")).contains { $0.hasSuffix(".bin") }
        }
        running.send(SIGTERM)
        let stopped = try await Self.blocking { running.wait() }
        #expect(checkpointed)
        #expect(!stopped.signaled && stopped.status == 143, "the replay ended before the signal? \(stopped)")
        #expect(stopped.stderr.contains("interrupted by SIGTERM"))
        #expect(stopped.stderr.contains("run the same command again to resume"))
        let resumed = try await Self.run(arguments)
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.stdout.contains("resumed from checkpoint"))
        _ = try await ReplayJob.run(ReplayOptions(inputs: [log], outputPath: folder.file("expected")))
        #expect(try folderBytes(folder.file("out")) == folderBytes(folder.file("expected")))
    }

    @Test func summaryAfterAResumeSaysWhereItResumedAndWhatThisRunDid() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-resume-summary")
        defer { folder.remove() }
        let log = try Self.log(in: folder, conversations: 300)
        let arguments = [
            "replay", log, "--out", folder.file("out"), "--checkpoint-dir", folder.file("checkpoints"),
            "--checkpoint-interval", "1000events",
        ]
        let first = try await Self.run(arguments)
        try #require(first.status == 0, "\(first)")
        // As if killed after its last checkpoint.
        try FileManager.default.removeItem(atPath: folder.file("checkpoints/finished.json"))
        let total = try #require(first.stdout.split(separator: " ").dropFirst().first.flatMap { Int($0) })
        let resumed = try await Self.run(arguments)
        #expect(resumed.status == 0, "\(resumed)")
        let lines = resumed.stdout.split(separator: "\n").map(String.init)
        let words = lines.first?.split(separator: " ").map(String.init) ?? []
        let done = try #require(
            words.firstIndex(of: "where").flatMap { Int(words[$0 + 1]) }, "\(resumed.stdout)")
        #expect(lines.first?.hasPrefix("resumed from checkpoint ") == true)
        #expect(lines.first?.contains("where \(done) events had been replayed") == true)
        #expect(lines.dropFirst().first?.hasPrefix("replayed \(total - done) more events in ") == true, "\(lines)")
        #expect(lines.dropFirst().first?.contains("\(total) events in all") == true)
    }

    /// Bad invocations: exit code, a phrase of the message, no Foundation or decoder internals, and
    /// nothing created.
    @Test(arguments: [
        (["checkpoint", "list", "TYPO"], 1, "checkpoint folder TYPO does not exist"),
        (["checkpoint", "list", "PLAIN"], 1, "PLAIN is not a checkpoint folder"),
        (["checkpoint", "show", "PLAIN"], 1, "PLAIN is not a checkpoint folder"),
        (["checkpoint", "show", "CK", "--id", "99"], 1, "no checkpoint 99 in CK"),
        (["checkpoint", "show", "CK", "--id", "x"], 64, "--id"),
        (["replay", "MISSING.jsonl", "--out", "OUT"], 1, "input file not found: MISSING.jsonl"),
        (["replay", "PLAIN", "--out", "OUT"], 1, "input is a directory"),
        (["replay", "LOG", "--out", "OUT", "--checkpoint-dir", "LOG"], 1, "is a file, not a folder"),
    ])
    func badInvocation(arguments: [String], status: Int32, phrase: String) async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("cli-bad")
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("PLAIN"), withIntermediateDirectories: true)
        let log = try Self.log(in: folder, conversations: 30)
        try FileManager.default.moveItem(atPath: log, toPath: folder.file("LOG"))
        let setup = try await Self.run(
            ["replay", "LOG", "--out", "done", "--checkpoint-dir", "CK", "--checkpoint-interval", "100events"],
            directory: folder.path)
        try #require(setup.status == 0, "\(setup)")
        let before = Set(Self.names(in: folder.path))
        let result = try await Self.run(arguments, directory: folder.path)
        #expect(result.status == status, "\(result)")
        #expect(result.stderr.contains(phrase), "\(result)")
        for leak in ["NSCocoaErrorDomain", "Error Domain", "DecodingError"] {
            #expect(!result.output.contains(leak), "\(result)")
        }
        if status == 1 { #expect(!result.output.contains("Usage:"), "\(result)") }
        #expect(Set(Self.names(in: folder.path)) == before, "the failed command created files")
    }

    @Test func helpExamplesArePasteableAtSixtyColumns() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let help = try await Self.run(["replay", "--help"], environment: ["COLUMNS": "60"])
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("Example") })
        var continues = false
        var commands = 0
        for line in lines[(start + 1)...] {
            if line.hasPrefix("USAGE:") { break }
            if line.isEmpty {
                #expect(!continues, "a command ends with \\ before a blank line")
                continue
            }
            // Each line is a command's start or, after a line ending in "\", its continuation.
            #expect(continues ? line.hasPrefix("    ") : line.hasPrefix("  flywheel "), "broken: '\(line)'")
            if !continues { commands += 1 }
            continues = line.hasSuffix(" \\")
        }
        #expect(commands >= 2)
    }
}

/// A process handed to a Dispatch thread that waits for it; only `waitUntilExit` is called there,
/// and the test reads the process again only after that returned.
private final class Waited: @unchecked Sendable {
    let process: Process
    init(_ process: Process) { self.process = process }
}
