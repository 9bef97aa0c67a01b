import FlywheelSignals
import Foundation

/// Builds, by hand, the live folder sink that `flywheel run` would have committed for a replay output folder:
/// one sub-folder per kind that has records, its lines split over `part-0000000001.jsonl`, ... in order.
public enum LiveFolderFixture {
    /// The name of committed part file `number` (1-based, 10 digits).
    public static func partName(_ number: Int) -> String {
        let digits = String(number)
        return "part-" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits + ".jsonl"
    }

    /// Writes into `live` the records of the replay output folder `replay`: each kind's lines split over up to
    /// `parts` committed files, and, when `inProgress` holds lines for a kind, an open
    /// `part-NNNNNNNNNN.jsonl.inprogress` after them holding those lines (which a reader must not show).
    /// Kinds with no records get no folder.
    public static func write(
        replay: String, to live: String, parts: Int = 3, inProgress: [RecordKind: [String]] = [:]
    ) throws {
        for kind in RecordKind.allCases {
            let file = (replay as NSString).appendingPathComponent(kind.fileName)
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n").map(String.init)
            guard !lines.isEmpty || inProgress[kind] != nil else { continue }
            let size = max(1, (lines.count + parts - 1) / parts)
            var number = 0
            for start in stride(from: 0, to: lines.count, by: size) {
                number += 1
                let chunk = lines[start..<min(lines.count, start + size)]
                try commit(kind, partName(number), chunk.joined(separator: "\n") + "\n", in: live)
            }
            if let open = inProgress[kind] {
                try write(kind, partName(number + 1) + ".inprogress", open.joined(separator: "\n") + "\n", in: live)
            }
        }
    }

    /// Commits a part file as the sink does: written as `NAME.inprogress`, then renamed to `NAME`.
    @discardableResult
    public static func commit(_ kind: RecordKind, _ name: String, _ text: String, in live: String) throws -> String {
        let open = try write(kind, name + ".inprogress", text, in: live)
        let committed = String(open.dropLast(".inprogress".count))
        guard rename(open, committed) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: committed])
        }
        return committed
    }

    /// Writes `text` to `live/KIND/NAME`, creating the kind folder; returns the path.
    @discardableResult
    public static func write(_ kind: RecordKind, _ name: String, _ text: String, in live: String) throws -> String {
        let folder = (live as NSString).appendingPathComponent(kind.name)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = (folder as NSString).appendingPathComponent(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
