import FlywheelSignals
import Foundation

/// A live folder sink of `flywheel run`: one sub-folder per record kind (named by the kind, present once it got a
/// record) holding `part-0000000001.jsonl`, `part-0000000002.jsonl`, ... Sorting a kind's committed file names
/// gives its release order; a file ending in `.inprogress` is open or not yet committed and is never read.
/// Committed files never change once they have their final name; new ones appear (renamed from `.inprogress`)
/// while the pipeline runs. A live folder has no `summary.json`: its counters come from the service.
struct LiveFolder {
    /// What a folder holds of the two layouts inspect reads.
    struct Layout: Equatable {
        /// The kind sub-folders (`model_quality`, ...), in kind order.
        var kindFolders: [RecordKind] = []
        /// The files of a replay output folder (`model_quality.jsonl`, ..., `summary.json`), in kind order.
        var replayFiles: [String] = []
    }

    /// The suffix of a file that is open or not yet committed.
    static let inProgressSuffix = ".inprogress"

    /// What `inspect` says instead of counters for a live folder.
    static let noSummary =
        "a live folder sink has no summary.json: its counters are not in the folder (records per kind count "
        + "what its committed files hold)"

    let path: String

    /// The layouts found in folder `path` (nothing when it cannot be listed).
    static func layout(of path: String) -> Layout {
        var layout = Layout()
        var isDirectory: ObjCBool = false
        for kind in RecordKind.allCases {
            let folder = (path as NSString).appendingPathComponent(kind.name)
            if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue {
                layout.kindFolders.append(kind)
            }
        }
        for name in RecordKind.allCases.map(\.fileName) + ["summary.json"] {
            let file = (path as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue {
                layout.replayFiles.append(name)
            }
        }
        return layout
    }

    /// The error for a folder that holds both layouts, naming what it found.
    static func mixedLayoutError(_ path: String, _ layout: Layout) -> InspectError {
        let folders = layout.kindFolders.map { $0.name + "/" }.joined(separator: ", ")
        return InspectError(
            .mixedFolder,
            "\(path) holds both a replay output (\(layout.replayFiles.joined(separator: ", "))) and the kind "
                + "folders of a live folder sink (\(folders)); inspect reads one or the other: point it at a "
                + "folder that holds only one of them")
    }

    /// The folder of `kind`'s files.
    func folder(_ kind: RecordKind) -> String { (path as NSString).appendingPathComponent(kind.name) }

    /// Whether `kind` has a folder yet.
    func hasFolder(_ kind: RecordKind) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder(kind), isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The paths of `kind`'s committed files in release order (name order); none when it has no folder yet.
    /// `.inprogress` files, hidden files and files not ending in `.jsonl` are left out.
    func committedFiles(_ kind: RecordKind) throws(InspectError) -> [String] {
        guard hasFolder(kind) else { return [] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder(kind))
        } catch {
            throw InspectError(
                .readFailed, "cannot list \(folder(kind)) (a kind folder of the live folder sink \(path))",
                cause: error)
        }
        return names.filter(Self.isCommitted).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { (folder(kind) as NSString).appendingPathComponent($0) }
    }

    /// Whether `name` is a committed part file: ends in `.jsonl` (so not in `.inprogress`) and is not hidden.
    static func isCommitted(_ name: String) -> Bool {
        !name.hasPrefix(".") && name.hasSuffix(".jsonl") && !name.hasSuffix(inProgressSuffix)
    }
}
