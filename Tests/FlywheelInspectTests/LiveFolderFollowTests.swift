import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelInspect

/// A live folder sink that is not what inspect expects, and `--follow` on one: committed files as they appear,
/// never an `.inprogress` file.
struct LiveFolderFollowTests {
    static func follower(_ live: String, _ configure: (inout InspectOptions) -> Void = { _ in }) throws
        -> InspectFollower
    {
        var options = InspectOptions(sourcePath: live)
        configure(&options)
        return try InspectFollower(options: options, terminal: Terminal(width: 200, cutsLines: false))
    }

    @Test func folderWithBothLayoutsIsAnErrorNamingWhatItFound() throws {
        let folder = try TemporaryFolder("inspect-live-mixed")
        defer { folder.remove() }
        _ = try folder.write("summary.json", "{}")
        _ = try folder.write("model_quality.jsonl", "")
        try LiveFolderFixture.commit(.deadLetter, LiveFolderFixture.partName(1), "", in: folder.path)
        let error = #expect(throws: InspectError.self) {
            _ = try InspectLoader.load(InspectOptions(sourcePath: folder.path))
        }
        #expect(error?.code == .mixedFolder)
        #expect(
            error?.message == "\(folder.path) holds both a replay output (model_quality.jsonl, summary.json) and the "
                + "kind folders of a live folder sink (dead_letter/); inspect reads one or the other: point it at "
                + "a folder that holds only one of them")
        #expect(throws: InspectError.self) { _ = try Self.follower(folder.path) }
    }

    @Test func liveFolderWithoutCommittedFilesSaysSo() throws {
        let folder = try TemporaryFolder("inspect-live-empty")
        defer { folder.remove() }
        try LiveFolderFixture.write(
            .modelQuality, LiveFolderFixture.partName(1) + ".inprogress", "{}\n", in: folder.path)
        let error = #expect(throws: InspectError.self) {
            _ = try InspectLoader.load(InspectOptions(sourcePath: folder.path))
        }
        #expect(error?.code == .emptyLiveFolder)
        #expect(error?.message.hasPrefix("live folder sink \(folder.path) has no committed files yet") == true)
    }

    @Test func damagedLineInACommittedFileNamesFileAndLine() throws {
        let folder = try TemporaryFolder("inspect-live-damaged")
        defer { folder.remove() }
        let lines = try FollowTests.lines()
        try LiveFolderFixture.commit(.modelQuality, LiveFolderFixture.partName(1), lines[0] + "\n", in: folder.path)
        let path = try LiveFolderFixture.commit(
            .modelQuality, LiveFolderFixture.partName(2), lines[1] + "\nnot json\n" + lines[2] + "\n", in: folder.path)
        let error = #expect(throws: InspectError.self) {
            _ = try InspectLoader.load(InspectOptions(sourcePath: folder.path))
        }
        #expect(error?.code == .badRecord)
        #expect(error?.message.hasPrefix("\(path):2: not a signal record") == true, "\(error?.message ?? "")")
        // --follow notes it with file and line and shows the rest.
        var follower = try Self.follower(folder.path)
        let poll = try follower.poll()
        #expect(poll.lines.count == 3)
        #expect(poll.notes.count == 1)
        #expect(poll.notes.first?.hasPrefix("warning: \(path):2: not a signal record") == true, "\(poll.notes)")
    }

    @Test func committedFileCutShortIsShownWithAWarning() throws {
        let folder = try TemporaryFolder("inspect-live-cut")
        defer { folder.remove() }
        let lines = try FollowTests.lines()
        let path = try LiveFolderFixture.commit(
            .modelQuality, LiveFolderFixture.partName(1), lines[0] + "\n" + lines[1].prefix(80), in: folder.path)
        try LiveFolderFixture.commit(.modelQuality, LiveFolderFixture.partName(2), lines[2] + "\n", in: folder.path)
        let data = try InspectLoader.load(InspectOptions(sourcePath: folder.path))
        #expect(data.quality.count == 2)
        #expect(
            data.warnings == [
                "\(path): the last line (2) is cut short and was skipped: the file is truncated or still being written"
            ])
    }

    @Test func followPicksUpNewlyCommittedFilesAndKindFoldersButNeverOpenOnes() throws {
        let folder = try TemporaryFolder("inspect-live-follow")
        defer { folder.remove() }
        let live = folder.file("signals")
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        let lines = try FollowTests.lines()
        // Started before the sink committed anything: an empty folder is followed as a live folder sink.
        var follower = try Self.follower(live)
        #expect(try follower.poll() == InspectFollower.Poll())
        try LiveFolderFixture.commit(.modelQuality, LiveFolderFixture.partName(1), lines[0] + "\n", in: live)
        let open = try LiveFolderFixture.write(
            .modelQuality, LiveFolderFixture.partName(2) + ".inprogress", lines[1] + "\n", in: live)
        let first = try follower.poll()
        #expect(first.lines.count == 1 && first.notes.isEmpty, "\(first)")
        #expect(first.lines.first?.contains("atlas-1-large") == true, "\(first.lines)")
        #expect(try follower.poll() == InspectFollower.Poll())
        // The open file is committed (renamed), and a kind folder appears.
        #expect(rename(open, String(open.dropLast(".inprogress".count))) == 0)
        let pair = try String(contentsOfFile: InspectGoldenTests.input + "/preference_pair.jsonl", encoding: .utf8)
            .split(separator: "\n")[0]
        try LiveFolderFixture.commit(.preferencePair, LiveFolderFixture.partName(1), pair + "\n", in: live)
        let next = try follower.poll()
        #expect(next.lines.count == 2, "\(next)")
        #expect(next.lines.last?.hasPrefix("pair ") == true, "\(next.lines)")
        #expect(try follower.poll() == InspectFollower.Poll())
    }

    @Test func followShowsOnlyTheWantedKindsAsRecordsInJSONStyle() throws {
        let folder = try TemporaryFolder("inspect-live-follow-json")
        defer { folder.remove() }
        let live = try LiveFolderTests.goldenLive(folder)
        var options = InspectOptions(sourcePath: live)
        options.kinds = [.modelQuality]
        var follower = try InspectFollower(options: options, terminal: Terminal(), style: .json)
        #expect(try follower.poll().lines == FollowTests.lines())
        try LiveFolderFixture.commit(
            .modelQuality, LiveFolderFixture.partName(9), try FollowTests.lines()[0] + "\n", in: live)
        #expect(try follower.poll().lines == [try FollowTests.lines()[0]])
    }

    @Test func committedFileGoneBeforeItIsReadIsNotedAndSkipped() throws {
        let folder = try TemporaryFolder("inspect-live-gone")
        defer { folder.remove() }
        let lines = try FollowTests.lines()
        let path = try LiveFolderFixture.commit(
            .modelQuality, LiveFolderFixture.partName(1), lines[0] + "\n", in: folder.path)
        var follower = try Self.follower(folder.path)
        // Listed, then removed before it is read.
        try FileManager.default.removeItem(atPath: path)
        let poll = try follower.poll(files: [(.modelQuality, path)])
        #expect(poll == InspectFollower.Poll(notes: ["note: \(path) is gone (removed before it was read): skipped"]))
        #expect(try follower.poll() == InspectFollower.Poll())
    }
}
