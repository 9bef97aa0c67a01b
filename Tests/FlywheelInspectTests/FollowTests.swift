import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelInspect

/// `inspect --follow` on a file: every record once, in order, whatever happens to the file between polls.
struct FollowTests {
    /// The golden model_quality lines.
    static func lines() throws -> [String] {
        try String(contentsOfFile: InspectGoldenTests.input + "/model_quality.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    static func follower(_ path: String, _ style: InspectFollower.Style = .text, terminal: Terminal = Terminal())
        throws -> InspectFollower
    {
        try InspectFollower(options: InspectOptions(sourcePath: path), terminal: terminal, style: style)
    }

    static func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    @Test func lineThatIsNotASignalIsReportedWithFileAndLineAndSkipped() throws {
        let folder = try TemporaryFolder("follow-bad-line")
        defer { folder.remove() }
        let lines = try Self.lines()
        let path = try folder.write("mq.jsonl", lines[0] + "\n")
        var follower = try Self.follower(path)
        #expect(try follower.poll().lines.count == 1)
        try Self.append("WARN upstream reset\n\n" + lines[1] + "\n{\"signal\": \"model_quality\"}\n", to: path)
        let poll = try follower.poll()
        #expect(poll.lines.count == 1)
        #expect(poll.notes.count == 2)
        #expect(poll.notes.first?.hasPrefix("warning: \(path):2: not a signal record") == true, "\(poll.notes)")
        #expect(poll.notes.last?.hasPrefix("warning: \(path):5: not a signal record") == true, "\(poll.notes)")
    }

    @Test func replacedFileIsReadFromItsBeginning() throws {
        let folder = try TemporaryFolder("follow-replaced")
        defer { folder.remove() }
        let lines = try Self.lines()
        let path = try folder.write("mq.jsonl", lines.prefix(2).joined(separator: "\n") + "\n")
        var follower = try Self.follower(path)
        #expect(try follower.poll().lines.count == 2)
        // A new file, longer than what was read, renamed over the old one (as log rotation does).
        let next = try folder.write("next.jsonl", lines.suffix(5).joined(separator: "\n") + "\n")
        #expect(rename(next, path) == 0)
        let poll = try follower.poll()
        #expect(poll.lines.count == 5, "\(poll.lines)")
        #expect(poll.notes == ["note: \(path) was replaced: reading it again from the beginning"])
    }

    @Test func fileRotatedAwayIsWaitedForAndItsSuccessorRead() throws {
        let folder = try TemporaryFolder("follow-rotated")
        defer { folder.remove() }
        let lines = try Self.lines()
        let path = try folder.write("mq.jsonl", lines[0] + "\n")
        var follower = try Self.follower(path)
        #expect(try follower.poll().lines.count == 1)
        #expect(rename(path, folder.file("mq.1.jsonl")) == 0)
        #expect(
            try follower.poll()
                == InspectFollower.Poll(notes: ["note: \(path) is gone: waiting for a file at that path"]))
        #expect(try follower.poll() == InspectFollower.Poll())
        _ = try folder.write("mq.jsonl", lines[1] + "\n")
        let poll = try follower.poll()
        #expect(poll.lines.count == 1 && poll.notes.count == 1)
    }

    @Test func fileRewrittenInPlaceIsReadFromItsBeginning() throws {
        let folder = try TemporaryFolder("follow-rewritten")
        defer { folder.remove() }
        let lines = try Self.lines()
        let path = try folder.write("mq.jsonl", lines.prefix(2).joined(separator: "\n") + "\n")
        var follower = try Self.follower(path)
        #expect(try follower.poll().lines.count == 2)
        // Truncated and written again, past the old size, between two polls: same inode, other first bytes.
        try Data((lines.suffix(4).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let poll = try follower.poll()
        #expect(poll.lines.count == 4, "\(poll.lines)")
        #expect(poll.notes.count == 1)
    }

    @Test func truncatedFileIsReadFromItsBeginning() throws {
        let folder = try TemporaryFolder("follow-truncated")
        defer { folder.remove() }
        let lines = try Self.lines()
        let path = try folder.write("mq.jsonl", lines.prefix(3).joined(separator: "\n") + "\n")
        var follower = try Self.follower(path)
        #expect(try follower.poll().lines.count == 3)
        #expect(truncate(path, 0) == 0)
        try Self.append(lines[0] + "\n", to: path)
        let poll = try follower.poll()
        #expect(poll.lines.count == 1)
        #expect(poll.notes == ["note: \(path) was truncated: reading it again from the beginning"])
    }

    @Test func jsonStylePrintsEachRecordAsOneJSONObjectPerLine() throws {
        let folder = try TemporaryFolder("follow-json")
        defer { folder.remove() }
        let lines = try Self.lines()
        let path = try folder.write("mq.jsonl", lines.prefix(3).joined(separator: "\n") + "\n")
        var follower = try Self.follower(path, .json)
        let printed = try follower.poll().lines
        #expect(printed == Array(lines.prefix(3)))
        for line in printed {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["signal"] as? String == "model_quality")
        }
    }

    @Test func linesAreCutOnlyWhenTheTerminalCutsThem() throws {
        let folder = try TemporaryFolder("follow-width")
        defer { folder.remove() }
        let pair =
            #"{"signal": "preference_pair", "pair_id": "p1", "conversation_id": "c1", "source": "choice", "#
            + #""prompt": "\#(String(repeating: "a long prompt ", count: 20))", "chosen": "x", "rejected": "y", "#
            + #""chosen_model": "m1", "rejected_model": "m2", "timestamp": "2026-11-18T11:00:00.000Z"}"#
        let path = try folder.write("pairs.jsonl", pair + "\n")
        var cut = try Self.follower(path, terminal: Terminal(width: 80))
        #expect(DisplayWidth.of(try #require(cut.poll().lines.first)) == 80)
        var piped = try Self.follower(path, terminal: Terminal(width: 80, cutsLines: false))
        let line = try #require(piped.poll().lines.first)
        #expect(line.contains(String(repeating: "a long prompt ", count: 20)), "the whole prompt: \(line)")
        #expect(Terminal.standardOutput(environment: ["COLUMNS": "100"]).cutsLines)
    }
}
