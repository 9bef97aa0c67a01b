import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// `inspect` and `report` on a live folder sink, as a user runs them, and `inspect --follow` on one while files
/// are committed to it.
extension InspectCLITests {
    /// The inspect golden fixtures' replay output folder.
    static let goldenReplay = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FlywheelInspectTests/Golden/input").path

    /// A live folder sink `signals` in `folder` holding the golden replay's records, plus an open file that
    /// must not show.
    static func goldenLive(_ folder: TemporaryFolder) throws -> String {
        let live = folder.file("signals")
        let open = #"{"signal": "late_event", "type": "still_open", "timestamp": "2026-11-18T11:07:00.000Z"}"#
        try LiveFolderFixture.write(replay: goldenReplay, to: live, inProgress: [.lateEvent: [open]])
        return live
    }

    /// The read-out from "Records per kind" on: all but the headline and the counters.
    static func fromRecordsPerKind(_ text: String) -> Substring {
        text.range(of: "Records per kind").map { text[$0.lowerBound...] } ?? ""
    }

    @Test func inspectAndReportReadALiveFolderAsTheReplayFolderItStandsFor() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("inspect-cli-live")
        defer { folder.remove() }
        let live = try Self.goldenLive(folder)
        let replay = try FlywheelCLI.run(["inspect", Self.goldenReplay], environment: ["COLUMNS": "80"])
        let result = try FlywheelCLI.run(["inspect", live], environment: ["COLUMNS": "80"])
        #expect(result.status == 0, "\(result)")
        #expect(Self.fromRecordsPerKind(result.stdout) == Self.fromRecordsPerKind(replay.stdout))
        #expect(result.stdout.contains("Counters\n  none: a live folder sink has no summary.json"), "\(result.stdout)")
        #expect(!result.stdout.contains("still_open") && !result.stdout.contains("events in"))

        let json = try FlywheelCLI.run(["inspect", live, "--format", "json"])
        let replayJSON = try FlywheelCLI.run(["inspect", Self.goldenReplay, "--format", "json"])
        func object(_ text: String, without keys: [String]) throws -> NSDictionary {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            for key in keys { object[key] = nil }
            return object as NSDictionary
        }
        #expect(
            try object(json.stdout, without: ["source", "counters_note"])
                == object(replayJSON.stdout, without: ["source", "counters"]))

        let csv = try FlywheelCLI.run(["inspect", live, "--format", "csv", "--kind", "late_event"])
        #expect(
            csv.stdout
                == (try FlywheelCLI.run(["inspect", Self.goldenReplay, "--format", "csv", "--kind", "late_event"]))
                .stdout)

        let report = try FlywheelCLI.run(["report", live, "-o", folder.file("report.html")])
        #expect(report.status == 0, "\(report)")
        let html = try String(contentsOfFile: folder.file("report.html"), encoding: .utf8)
        #expect(html.contains("No counters: a live folder sink has no summary.json"))
    }

    @Test func folderWithBothLayoutsExitsOneNamingWhatItFound() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("inspect-cli-mixed")
        defer { folder.remove() }
        try FileManager.default.copyItem(atPath: Self.goldenReplay, toPath: folder.file("out"))
        try LiveFolderFixture.commit(.modelQuality, LiveFolderFixture.partName(1), "\n", in: folder.file("out"))
        let result = try FlywheelCLI.run(["inspect", folder.file("out")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("holds both a replay output (model_quality.jsonl, "), "\(result.stderr)")
        #expect(result.stderr.contains("and the kind folders of a live folder sink (model_quality/)"))
    }

    @Test func followPrintsTheRecordsOfEachFileAsItIsCommitted() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("inspect-cli-live-follow")
        defer { folder.remove() }
        let live = try Self.goldenLive(folder)
        let records = [Self.quality(variant: "fresh-1"), Self.quality(variant: "fresh-2")]
        let (stdout, stderr) = try Self.follow(
            ["inspect", live, "--follow", "--format", "json", "--kind", "model_quality"], lines: 42, notes: 1
        ) {
            // Once the 40 committed records are printed: a new file, written open and then committed.
            try LiveFolderFixture.commit(
                .modelQuality, LiveFolderFixture.partName(7), records.joined(separator: "\n") + "\n", in: live)
        }
        let lines = stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 42, "\(stdout)")
        #expect(Array(lines.suffix(2)) == records)
        #expect(stderr.hasPrefix("following live folder sink \(live)"), "\(stderr)")
    }

    @Test func followStartsOnAFolderTheSinkHasNotCommittedToYet() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder("inspect-cli-live-empty")
        defer { folder.remove() }
        let record = Self.quality(variant: "first")
        let (stdout, stderr) = try Self.follow(["inspect", folder.path, "--follow"], lines: 1, notes: 2, added: 1) {
            try LiveFolderFixture.commit(.modelQuality, LiveFolderFixture.partName(1), record + "\n", in: folder.path)
        }
        #expect(stderr.contains("note: \(folder.path) has no kind folder yet: waiting"), "\(stderr)")
        #expect(stdout.contains("atlas  first"), "\(stdout)")
    }
}
