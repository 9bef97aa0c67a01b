import FlywheelTesting
import Foundation
import Testing

/// `flywheel topic` as a user runs it: signals and slow inputs, damaged segments, bad topic files, the bench folder.
///
/// Serialized: each test blocks its thread while the CLI runs, and the suite has many cases; one at a time leaves
/// the other threads to the rest of the tests.
@Suite(.serialized) struct TopicCLITests {
    static func flywheel(_ arguments: [String], stdin: Data? = nil, in folder: TemporaryFolder) throws
        -> FlywheelCLI.Result
    {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        return try FlywheelCLI.run(arguments, stdin: stdin, directory: folder.path, timeout: 60)
    }

    /// `topic consume NAME` printed lines (waits for the process).
    static func consumed(_ name: String, in folder: TemporaryFolder) throws -> [Substring] {
        try flywheel(["topic", "consume", name, "--data", "data"], in: folder).stdout.split(separator: "\n")
    }

    /// Creates topic `name` and produces `count` lines `{"n": N}` (no key: round robin, so one partition holds all
    /// with `partitions` 1).
    static func topic(_ name: String, records count: Int, extra: [String] = [], in folder: TemporaryFolder) throws {
        let created = try flywheel(["topic", "create", name, "--data", "data"] + extra, in: folder)
        try #require(created.status == 0, "\(created)")
        let lines = (0..<count).map { #"{"n": \#($0)}"# }.joined(separator: "\n") + "\n"
        let produced = try flywheel(["topic", "produce", name, "--data", "data"], stdin: Data(lines.utf8), in: folder)
        try #require(produced.status == 0, "\(produced)")
    }

    /// A named pipe the test writes to and keeps open, as a slow producer would.
    final class SlowInput {
        let path: String
        let fd: Int32

        init(_ path: String) throws {
            self.path = path
            try #require(mkfifo(path, 0o644) == 0)
            fd = open(path, O_RDWR)  // read-write: opening does not wait for a reader
            try #require(fd >= 0)
        }

        deinit { close(fd) }

        func write(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        }

        /// Bytes written that nobody has read yet.
        var unread: Int32 {
            var count: Int32 = 0
            _ = ioctl(fd, UInt(FIONREAD), &count)
            return count
        }
    }

    /// Repeats `condition` until it holds (at most about `seconds`); the test does not depend on how long it takes.
    static func eventually(seconds: Double = 60, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return false
    }

    @Test func produceAppendsTheLinesOfASlowInputWithoutWaitingForTheEnd() throws {
        let folder = try TemporaryFolder("topic-cli-linger")
        defer { folder.remove() }
        _ = try Self.flywheel(["topic", "create", "ev", "--data", "data"], in: folder)
        let input = try SlowInput(folder.file("in.fifo"))
        let producer = try FlywheelCLI.start(
            ["topic", "produce", "ev", "--data", "data", "-i", "in.fifo"], directory: folder.path)
        input.write("{\"n\": 1}\n{\"n\": 2}\n{\"n\": 3}\n")
        let appended = try Self.eventually { try Self.consumed("ev", in: folder).count == 3 }
        producer.send(SIGTERM)
        let result = producer.wait(timeout: 60)
        #expect(appended, "the lines of an open input were never appended")
        #expect(result.status == 143 && !result.signaled, "\(result)")
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aSignalAppendsEveryLineReadThenExitsWithItsStatus(signal: Int32, status: Int32) throws {
        let folder = try TemporaryFolder("topic-cli-signal")
        defer { folder.remove() }
        _ = try Self.flywheel(["topic", "create", "ev", "--partitions", "2", "--data", "data"], in: folder)
        let input = try SlowInput(folder.file("in.fifo"))
        let producer = try FlywheelCLI.start(
            ["topic", "produce", "ev", "--data", "data", "-i", "in.fifo", "--linger", "1h"], directory: folder.path)
        input.write((0..<5).map { "{\"n\": \($0)}\n" }.joined() + "{\"n\": 5")
        #expect(Self.eventually { input.unread == 0 }, "the producer never read its input")
        producer.send(signal)
        let result = producer.wait(timeout: 60)
        #expect(result.status == status && !result.signaled, "\(result)")
        #expect(result.stdout.contains("produced 5 records"), "\(result)")
        #expect(result.stderr.contains("appended the 5 records"), "\(result)")
        #expect(result.stderr.contains("an unfinished last line (7 bytes, no newline) was not appended"), "\(result)")
        #expect(try Self.consumed("ev", in: folder).count == 5)
    }
}
