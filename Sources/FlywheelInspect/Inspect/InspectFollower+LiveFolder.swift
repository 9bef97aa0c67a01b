import FlywheelSignals
import Foundation

/// Which committed files of a live folder sink `--follow` has read.
///
/// Committed files never change, so each is read whole once; `.inprogress` files are never read, and a kind
/// folder that appears later is picked up at the next poll.
struct LiveFolderCursor {
    let folder: LiveFolder
    /// The committed files read (or found gone), by path.
    private var seen: Set<String> = []

    init(_ folder: LiveFolder) { self.folder = folder }

    /// The committed files of the wanted kinds not handed out before: kind by kind, each kind's in name order.
    mutating func newFiles(_ wants: (RecordKind) -> Bool) throws(InspectError) -> [(kind: RecordKind, path: String)] {
        var files: [(kind: RecordKind, path: String)] = []
        for kind in RecordKind.allCases where wants(kind) {
            for path in try folder.committedFiles(kind) where seen.insert(path).inserted {
                files.append((kind, path))
            }
        }
        return files
    }
}

extension InspectFollower {
    /// The records of the files committed to the live folder sink since the last call, formatted. A line that is
    /// not a signal record is noted with its file and line and skipped; a file listed but gone before it was
    /// read (removed by hand) is noted and skipped.
    mutating func poll(_ cursor: inout LiveFolderCursor) throws(InspectError) -> Poll {
        try poll(files: cursor.newFiles(options.wants))
    }

    /// The records of `files`, each read whole, formatted; see ``poll(_:)``.
    mutating func poll(files: [(kind: RecordKind, path: String)]) throws(InspectError) -> Poll {
        var result = Poll()
        for (kind, path) in files {
            let bytes: Data
            do throws(InspectError) {
                bytes = try LineFile.contents(path)
            } catch {
                guard !FileManager.default.fileExists(atPath: path) else { throw error }
                result.notes.append("note: \(path) is gone (removed before it was read): skipped")
                continue
            }
            for (number, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                let outcome = line.withUnsafeBytes { bytes in
                    EventDecoder.isBlank(bytes) ? .skipped : format(bytes, expected: kind)
                }
                switch outcome {
                case .line(let text): result.lines.append(text)
                case .skipped: break
                case .notASignal: result.notes.append("warning: \(path):\(number + 1): \(Self.notASignal), skipped")
                }
            }
        }
        return result
    }
}
