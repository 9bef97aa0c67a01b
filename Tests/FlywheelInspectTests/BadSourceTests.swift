import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelInspect

/// inspect on sources that are not what it expects gives a message saying what was expected.
struct BadSourceTests {
    static func render(_ path: String) throws -> String {
        let options = InspectOptions(sourcePath: path)
        return InspectTextRenderer(terminal: Terminal(), options: options).render(try InspectLoader.load(options))
    }

    @Test func emptyFolderIsNotAReplayOutput() throws {
        let folder = try TemporaryFolder("inspect-empty")
        defer { folder.remove() }
        do {
            _ = try InspectLoader.load(InspectOptions(sourcePath: folder.path))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .notAReplayFolder)
            #expect(error.message.hasPrefix("not a replay output folder: no summary.json in "))
        }
    }

    @Test func missingSourceSaysWhatWasExpected() {
        do {
            _ = try InspectLoader.load(InspectOptions(sourcePath: "/nonexistent/out"))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .sourceNotFound)
            #expect(
                error.message.contains("expected a replay output folder, a live folder sink or a signal .jsonl file"))
        }
    }

    @Test func folderWithOnlyDeadLettersSaysThereAreNoSignals() throws {
        let folder = try TemporaryFolder("inspect-dead")
        defer { folder.remove() }
        _ = try folder.write(
            "summary.json",
            #"{"events_in": 2, "invalid_events": 2, "duplicates_dropped": 0, "late_events": 0, "events_accepted": 0, "#
                + #""unresolved_references": 0, "signals_out": {}}"#)
        _ = try folder.write(
            "dead_letter.jsonl",
            #"{"signal": "dead_letter", "reason": "malformed_json", "detail": "not valid JSON", "source": "x", "#
                + #""position": 1, "raw": "{"}"# + "\n"
                + #"{"signal": "dead_letter", "reason": "missing_field", "detail": "type", "source": "x", "#
                + #""position": 2, "raw": "{}"}"# + "\n")
        let text = try Self.render(folder.path)
        #expect(text.contains("No signals: the input gave only 2 dead letters and 0 late events"))
        #expect(text.contains("malformed_json"))
        #expect(text.contains("missing_field"))
    }

    @Test func truncatedFileWarnsAndShowsTheRest() throws {
        let folder = try TemporaryFolder("inspect-truncated")
        defer { folder.remove() }
        let lines = try String(contentsOfFile: InspectGoldenTests.input + "/model_quality.jsonl", encoding: .utf8)
            .split(separator: "\n")
        let cut = lines.prefix(3).joined(separator: "\n") + "\n" + lines[3].prefix(80)
        let path = try folder.write("model_quality.jsonl", cut)
        let data = try InspectLoader.load(InspectOptions(sourcePath: path))
        #expect(data.quality.count == 3)
        #expect(
            data.warnings == [
                "\(path): the last line (4) is cut short and was skipped: the file is truncated or still being written"
            ])
        #expect(try Self.render(path).contains("warning: \(path): the last line (4) is cut short"))
    }

    @Test func brokenLineInTheMiddleNamesFileAndLine() throws {
        let folder = try TemporaryFolder("inspect-broken")
        defer { folder.remove() }
        let path = try folder.write("x.jsonl", "{\"signal\": \"late_event\"}\nnot json\n{\"signal\": \"late_event\"}\n")
        do {
            _ = try InspectLoader.load(InspectOptions(sourcePath: path))
            Issue.record("expected an error")
        } catch {
            #expect(
                error.message == "\(path):2: not a signal record; expected one JSON object per line with a "
                    + "\"signal\" field and the fields its kind needs, as flywheel replay writes them")
        }
    }

    @Test func gzipFileIsRefusedWithAHint() throws {
        let folder = try TemporaryFolder("inspect-gz")
        defer { folder.remove() }
        let path = folder.file("x.jsonl.gz")
        try Data([0x1F, 0x8B, 0x08, 0x00]).write(to: URL(fileURLWithPath: path))
        #expect(throws: InspectError.self) { try InspectLoader.load(InspectOptions(sourcePath: path)) }
    }

    @Test func followPrintsAppendedRecordsOnce() throws {
        let folder = try TemporaryFolder("inspect-follow")
        defer { folder.remove() }
        let lines = try String(contentsOfFile: InspectGoldenTests.input + "/model_quality.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let path = try folder.write("mq.jsonl", lines[0] + "\n" + lines[1].prefix(30))
        var follower = try InspectFollower(options: InspectOptions(sourcePath: path), terminal: Terminal())
        #expect(try follower.poll().lines.count == 1)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data((lines[1].dropFirst(30) + "\n" + lines[2] + "\n").utf8))
        try handle.close()
        let next = try follower.poll().lines
        #expect(next.count == 2)
        #expect(next[0].contains("atlas-1-large"))
        #expect(try follower.poll() == InspectFollower.Poll())
    }
}
