import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
import Foundation

/// A folder sink under a temporary folder, on a manual clock, and what tests read back from it.
struct FolderSinkFixture {
    let folder: TemporaryFolder
    let clock = ManualClock()
    var path: String { folder.file("signals") }

    init(_ label: String) throws { folder = try TemporaryFolder(label) }

    /// A new sink on the same folder and clock (a restarted job), not yet restored.
    func sink(rollBytes: Int64 = 1 << 30, rollAgeMs: Int64 = 3_600_000) throws -> RollingFolderSink {
        try RollingFolderSink(
            path: path, rollBytes: rollBytes, rollAgeMs: rollAgeMs,
            clock: JobClock(clock, startEpochMillis: 1_700_000_000_000))
    }

    /// A record of `kind` whose line is exactly `lineBytes` long (so sizes are easy to count).
    static func record(_ kind: RecordKind, _ index: Int, lineBytes: Int = 64) -> SignalRecord {
        let head = "{\"signal\":\"\(kind.name)\",\"n\":\(index),\"p\":\""
        let tail = "\"}\n"
        let pad = String(repeating: "x", count: max(0, lineBytes - head.utf8.count - tail.utf8.count))
        return SignalRecord(kind: kind, key: OutputSortKey(Int64(index)), line: Array((head + pad + tail).utf8))
    }

    static func records(_ kind: RecordKind, _ range: Range<Int>, lineBytes: Int = 64) -> [SignalRecord] {
        range.map { record(kind, $0, lineBytes: lineBytes) }
    }

    static func lines(_ records: [SignalRecord]) -> [String] {
        records.map { String(decoding: $0.line.dropLast(), as: UTF8.self) }
    }

    /// The names in `PATH/KIND`, sorted (empty when the folder does not exist).
    func names(_ kind: RecordKind) -> [String] {
        let folder = (path as NSString).appendingPathComponent(kind.name)
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// The final (committed) names of `kind`, sorted.
    func finalNames(_ kind: RecordKind) -> [String] { names(kind).filter { $0.hasSuffix(".jsonl") } }

    /// The `.inprogress` names of `kind`, sorted.
    func inProgressNames(_ kind: RecordKind) -> [String] { names(kind).filter { $0.hasSuffix(".inprogress") } }

    func bytes(_ kind: RecordKind, _ name: String) throws -> [UInt8] {
        let file = ((path as NSString).appendingPathComponent(kind.name) as NSString).appendingPathComponent(name)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
    }

    /// What a reader sees: the lines of `kind`'s final files, concatenated in name order.
    func committedLines(_ kind: RecordKind) throws -> [String] {
        var all: [UInt8] = []
        for name in finalNames(kind) { all += try bytes(kind, name) }
        return String(decoding: all, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Every file under the sink folder with its bytes (`KIND/NAME` -> bytes).
    func tree() throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for kind in RecordKind.allCases {
            for name in names(kind) { files["\(kind.name)/\(name)"] = try bytes(kind, name) }
        }
        return files
    }

    func part(_ number: Int, inProgress: Bool = false) -> String {
        "part-" + String(repeating: "0", count: 10 - String(number).count) + "\(number).jsonl"
            + (inProgress ? ".inprogress" : "")
    }

    /// Cuts `KIND/NAME` to `length` bytes, or removes it (nil).
    func damage(_ kind: RecordKind, _ name: String, length: Int?) {
        let file = ((path as NSString).appendingPathComponent(kind.name) as NSString).appendingPathComponent(name)
        if let length { truncate(file, off_t(length)) } else { unlink(file) }
    }

    /// Writes `KIND/NAME` with `text` (another writer's file).
    func plant(_ kind: RecordKind, _ name: String, _ text: String = "{}\n") throws {
        let folder = (path as NSString).appendingPathComponent(kind.name)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(name)))
    }
}
