import FlywheelTesting
import Foundation
import Testing

/// `inspect --follow` through a pipe, and the help texts' examples.
extension InspectCLITests {
    /// Runs `flywheel ARGUMENTS` with stdout and stderr on pipes until stdout holds `lines` lines and stderr
    /// holds `notes` lines (or 60 s pass, which only bounds a failing test), then stops it with SIGINT. With
    /// `action`, it is run once stdout holds `lines - added` lines and stderr `notes` lines (or the process ended),
    /// then the wait goes on.
    static func follow(
        _ arguments: [String], lines: Int, notes: Int, added: Int = 2, then action: (() throws -> Void)? = nil
    ) throws -> (stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FlywheelCLI.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = nil
        process.environment = environment
        let collected = Collected()
        let out = Pipe()
        let err = Pipe()
        out.fileHandleForReading.readabilityHandler = { collected.append($0.availableData, error: false) }
        err.fileHandleForReading.readabilityHandler = { collected.append($0.availableData, error: true) }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        if let action {
            while !collected.has(lines: lines - added, notes: notes) && Date() < deadline && process.isRunning {
                usleep(10_000)
            }
            do {
                try action()
            } catch {
                kill(process.processIdentifier, SIGINT)
                process.waitUntilExit()
                throw error
            }
        }
        while !collected.has(lines: lines, notes: notes) && Date() < deadline && process.isRunning { usleep(10_000) }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        return collected.texts
    }

    /// Output collected from pipe handlers on other threads.
    final class Collected: @unchecked Sendable {  // guarded by `lock`
        private let lock = NSLock()
        private var out = Data()
        private var err = Data()

        func append(_ data: Data, error: Bool) {
            lock.lock()
            defer { lock.unlock() }
            if error { err.append(data) } else { out.append(data) }
        }

        func has(lines: Int, notes: Int) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            return out.filter { $0 == 0x0A }.count >= lines && err.filter { $0 == 0x0A }.count >= notes
        }

        var texts: (stdout: String, stderr: String) {
            lock.lock()
            defer { lock.unlock() }
            return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
        }
    }

    @Test func followThroughAPipeReportsBadLinesAndCutsNothing() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("inspect-cli-follow")
        defer { folder.remove() }
        let path = try folder.write("pairs.jsonl", "not json\n" + Self.pair(Self.longPrompt) + "\n")
        // Notes: "following ..." and the bad line.
        let (stdout, stderr) = try Self.follow(["inspect", path, "--follow"], lines: 1, notes: 2)
        #expect(stderr.contains("warning: \(path):1: not a signal record"), "\(stderr)")
        let line = try #require(stdout.split(separator: "\n").first)
        #expect(line.contains(Self.longPrompt), "cut when piped: \(line)")
    }

    @Test func followWithFormatJSONPrintsOneRecordPerLine() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("inspect-cli-follow-json")
        defer { folder.remove() }
        let records = [Self.quality(), Self.pair(), Self.quality(variant: "treatment")]
        let path = try folder.write("mixed.jsonl", records.joined(separator: "\n") + "\n")
        let (stdout, _) = try Self.follow(["inspect", path, "--follow", "--format", "json"], lines: 3, notes: 1)
        let lines = stdout.split(separator: "\n").map(String.init)
        #expect(lines == records, "\(stdout)")
        for line in lines { #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any]) }
    }

    /// Every example in the help of the top-level command and of inspect, report, export, generate, bench and
    /// validate-pipeline, at 80 columns, is on one line or continues with " \" onto an indented line: none is
    /// broken by the help's wrapping, so each can be pasted.
    @Test(arguments: [
        [], ["inspect"], ["report"], ["export"], ["generate"], ["bench"], ["validate-pipeline"], ["checkpoint"],
        ["checkpoint", "list"], ["checkpoint", "show"],
    ])
    func helpExamplesArePasteable(command: [String]) throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(["help"] + command, environment: ["COLUMNS": "80"])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var examples = 0
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            #expect(!trimmed.hasSuffix("flywheel") && !trimmed.hasSuffix("swift run"), "a command cut: \(line)")
            guard line.hasPrefix("  "), trimmed.hasPrefix("flywheel ") || trimmed.hasPrefix("swift run") else {
                continue
            }
            examples += 1
            let next = index + 1 < lines.count ? lines[index + 1] : ""
            if line.hasSuffix(" \\") {
                #expect(next.hasPrefix("    "), "continuation of \(line) is not indented: \(next)")
            } else {
                #expect(next.isEmpty || next.hasPrefix("  "), "example broken after: \(line)\nnext: \(next)")
            }
        }
        #expect(examples > 0, "no example in \(command)")
    }
}
