import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelInspect

/// inspect and report read a live folder sink of `flywheel run` (committed files only) as they read the replay
/// output folder it stands for, except that it has no summary.json.
struct LiveFolderTests {
    /// Lines an open file holds; they must never show.
    static func openLines() throws -> [RecordKind: [String]] {
        [
            .modelQuality: try FollowTests.lines().prefix(5).map { $0.replacingOccurrences(of: "atlas", with: "open") },
            .deadLetter: [#"{"signal": "dead_letter", "reason": "still_open", "detail": "x", "source": "s"}"#],
            .lateEvent: [#"{"signal": "late_event", "type": "open_type", "timestamp": "2026-11-18T11:07:00.000Z"}"#],
        ]
    }

    /// A live folder holding the golden replay folder's records split over `parts` files per kind, and open files.
    static func goldenLive(_ folder: TemporaryFolder, parts: Int = 3) throws -> String {
        let live = folder.file("signals")
        try LiveFolderFixture.write(
            replay: InspectGoldenTests.input, to: live, parts: parts, inProgress: try openLines())
        return live
    }

    /// The golden replay folder's data as the live folder `source` gives it: no counters, the note instead.
    static func replayData(as source: String, _ configure: (inout InspectOptions) -> Void = { _ in }) throws
        -> InspectData
    {
        var options = InspectOptions(sourcePath: InspectGoldenTests.input)
        configure(&options)
        var data = try InspectLoader.load(options)
        data.counters = nil
        data.countersNote = LiveFolder.noSummary
        data.source = source
        return data
    }

    static func load(_ live: String, _ configure: (inout InspectOptions) -> Void = { _ in }) throws
        -> (InspectData, InspectOptions)
    {
        var options = InspectOptions(sourcePath: live)
        configure(&options)
        return (try InspectLoader.load(options), options)
    }

    @Test(arguments: [1, 3, 40])
    func liveFolderReadsAsTheReplayFolderItWasSplitFrom(parts: Int) throws {
        let folder = try TemporaryFolder("inspect-live")
        defer { folder.remove() }
        let live = try Self.goldenLive(folder, parts: parts)
        #expect(try InspectLoader.shape(of: live) == .liveFolder(live))
        let (data, options) = try Self.load(live)
        let expected = try Self.replayData(as: live)
        #expect(data.counters == nil)
        #expect(data.json(limit: 5) == expected.json(limit: 5))
        for kind in [nil] + RecordKind.allCases {
            #expect(data.csv(kind: kind, limit: 5) == expected.csv(kind: kind, limit: 5))
        }
        let terminal = Terminal(width: 80, colors: false)
        let text = InspectTextRenderer(terminal: terminal, options: options).render(data)
        #expect(text == InspectTextRenderer(terminal: terminal, options: options).render(expected))
        #expect(HTMLReport(data: data).render() == HTMLReport(data: expected).render())
        for hidden in ["open-1", "still_open", "open_type"] { #expect(!text.contains(hidden)) }
    }

    @Test func tableIsTheGoldenTableWithTheCountersSectionSayingThereIsNoSummary() throws {
        let folder = try TemporaryFolder("inspect-live-golden")
        defer { folder.remove() }
        let live = try Self.goldenLive(folder)
        let (data, options) = try Self.load(live)
        let text = InspectTextRenderer(terminal: Terminal(width: 80, colors: false), options: options).render(data)
        let golden = try String(
            contentsOf: InspectGoldenTests.golden.appendingPathComponent("inspect.txt"), encoding: .utf8)
        let counters = """
            Counters (summary.json)
              events in 12655: accepted 12504, duplicates 110, invalid 15, late 26
              unresolved references 12
            """
        let none = """
            Counters
              none: a live folder sink has no summary.json: its counters are not in the
              folder (records per kind count what its committed files hold)
            """
        #expect(golden.contains(counters))
        let expected = golden.replacingOccurrences(of: counters, with: none)
            .replacingOccurrences(of: "Golden/input", with: live)
        #expect(text == expected)
    }

    @Test func jsonAndReportSayThereIsNoSummaryAndInventNoCounters() throws {
        let folder = try TemporaryFolder("inspect-live-no-summary")
        defer { folder.remove() }
        let (data, _) = try Self.load(try Self.goldenLive(folder))
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(data.json(limit: 5).utf8)) as? [String: Any])
        #expect(json["counters"] == nil)
        #expect(json["counters_note"] as? String == LiveFolder.noSummary)
        let html = HTMLReport(data: data).render()
        #expect(html.contains("No counters: a live folder sink has no summary.json"))
        #expect(!html.contains("events in"))
        // A replay folder's read-outs are unchanged: no note.
        let (replay, _) = try Self.load(InspectGoldenTests.input)
        #expect(!replay.json(limit: 5).contains("counters_note"))
        #expect(!HTMLReport(data: replay).render().contains("No counters"))
    }

    @Test func filtersLimitAndCompareApplyToALiveFolder() throws {
        let folder = try TemporaryFolder("inspect-live-filters")
        defer { folder.remove() }
        let live = try Self.goldenLive(folder)
        let configure: (inout InspectOptions) -> Void = {
            $0.models = ["atlas-1-large"]
            $0.kinds = [.modelQuality, .qualityAlert, .preferencePair]
            $0.since = InspectOptionsTests.time("2026-11-18T11:07:00Z")
            $0.limit = 1
        }
        let (data, options) = try Self.load(live, configure)
        let expected = try Self.replayData(as: live, configure)
        #expect(data.json(limit: 1) == expected.json(limit: 1))
        let terminal = Terminal(width: 80, colors: false)
        let text = InspectTextRenderer(terminal: terminal, options: options).render(data)
        #expect(text == InspectTextRenderer(terminal: terminal, options: options).render(expected))
        let comparison = try VariantComparison.make(data, a: "control", b: "treatment")
        let expectedComparison = try VariantComparison.make(expected, a: "control", b: "treatment")
        #expect(comparison.text(terminal) == expectedComparison.text(terminal))
        #expect(comparison.csv() == expectedComparison.csv())
    }

    @Test func kindWithOnlyAnOpenFileCountsZero() throws {
        let folder = try TemporaryFolder("inspect-live-open")
        defer { folder.remove() }
        let live = folder.file("signals")
        let lines = try FollowTests.lines()
        try LiveFolderFixture.commit(.modelQuality, LiveFolderFixture.partName(1), lines[0] + "\n", in: live)
        try LiveFolderFixture.write(.qualityAlert, LiveFolderFixture.partName(1) + ".inprogress", "garbage\n", in: live)
        let (data, _) = try Self.load(live)
        #expect(data.quality.count == 1)
        #expect(data.recordCounts[.qualityAlert] == 0)
        #expect(data.recordCounts[.lateEvent] == 0)
    }
}
