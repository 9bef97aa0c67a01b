import FlywheelSignals
import Foundation

/// The replay output folder of CONTRACT section 6: one JSONL file per record kind (created even
/// when empty) and `summary.json`, written through 1 MiB buffers.
///
/// In checkpointed replays `commit()` (called as a checkpoint completes) flushes and fsyncs the
/// files and returns their lengths, which the checkpoint records as committed. Bytes past those
/// lengths are in progress: a resumed replay cuts every file back to its committed length and
/// produces the same records again (replay is deterministic), so each record is in the finished
/// files exactly once. Records are not held in memory between checkpoints.
final class OutputFolder {
    let path: String
    private var files: [Int32]
    private var buffers: [[UInt8]]
    private var lengths: [Int64]
    private let flushBytes: Int
    /// ".inprogress" while a checkpointed replay runs: the files get their final names when it ends.
    private let suffix: String

    /// Prepares `path`. An existing non-empty folder is refused unless `force`, which truncates the
    /// files a replay writes (and touches nothing else). `resumeLengths` (checkpointed replays) writes
    /// `NAME.jsonl.inprogress` files, cut back to those committed lengths, renamed at `finish`.
    init(path: String, force: Bool, resumeLengths: [Int64]? = nil) throws(ConnectorError) {
        self.path = path
        flushBytes = 1 << 20
        suffix = resumeLengths == nil ? "" : ".inprogress"
        lengths = resumeLengths ?? Array(repeating: 0, count: RecordKind.allCases.count)
        let manager = FileManager.default
        let existing = (try? manager.contentsOfDirectory(atPath: path)) ?? []
        if !existing.isEmpty && !force {
            throw ConnectorError(
                .outputNotEmpty, "output folder \(path) is not empty: choose another --out or pass --force to overwrite"
            )
        }
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ConnectorError(.writeFailed, "cannot create output folder \(path): \(error.localizedDescription)")
        }
        files = []
        buffers = Array(repeating: [], count: RecordKind.allCases.count)
        for kind in RecordKind.allCases {
            let file = (path as NSString).appendingPathComponent(kind.fileName + suffix)
            try Self.reclaim(
                file, from: (path as NSString).appendingPathComponent(kind.fileName), committed: lengths[kind.rawValue])
            let fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0, ftruncate(fd, off_t(lengths[kind.rawValue])) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
                throw ConnectorError(.writeFailed, "cannot create \(file): \(String(cString: strerror(errno)))")
            }
            files.append(fd)
        }
        try? manager.removeItem(atPath: (path as NSString).appendingPathComponent("summary.json"))
    }

    /// Before resuming into `file`: a crash after the final rename left the data under `final`, so
    /// move it back; a file shorter than its committed length cannot be resumed.
    private static func reclaim(_ file: String, from final: String, committed: Int64) throws(ConnectorError) {
        let manager = FileManager.default
        if file != final, !manager.fileExists(atPath: file), manager.fileExists(atPath: final) {
            guard rename(final, file) == 0 else {
                throw ConnectorError(
                    .writeFailed, "cannot move \(final) back for resuming: \(String(cString: strerror(errno)))")
            }
        }
        let size = (try? manager.attributesOfItem(atPath: file)[.size] as? Int64) ?? 0
        if size < committed {
            throw ConnectorError(
                .writeFailed,
                "\(file) has \(size) bytes but its checkpoint committed \(committed): the output was changed; "
                    + "delete the checkpoint folder and the output folder, then replay again")
        }
    }

    deinit { files.forEach { close($0) } }

    func write(_ record: SignalRecord) throws(ConnectorError) {
        let index = record.kind.rawValue
        buffers[index].append(contentsOf: record.line)
        if buffers[index].count >= flushBytes { try flush(index) }
    }

    /// Writes every staged record to the files and syncs them; returns each file's length.
    func commit() throws(ConnectorError) -> [Int64] {
        for index in buffers.indices {
            try flush(index)
            fsync(files[index])
        }
        return lengths
    }

    /// Flushes every file, writes `summary.json` and syncs the folder's files.
    func finish(summary: String) throws(ConnectorError) {
        _ = try commit()
        if !suffix.isEmpty {
            for kind in RecordKind.allCases {
                let final = (path as NSString).appendingPathComponent(kind.fileName)
                guard rename(final + suffix, final) == 0 else {
                    throw ConnectorError(
                        .writeFailed, "cannot rename \(final + suffix): \(String(cString: strerror(errno)))")
                }
            }
        }
        let file = (path as NSString).appendingPathComponent("summary.json")
        guard FileManager.default.createFile(atPath: file, contents: Data(summary.utf8)) else {
            throw ConnectorError(.writeFailed, "cannot write \(file)")
        }
    }

    private func flush(_ index: Int) throws(ConnectorError) {
        let failure: Int32? = buffers[index].withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(files[index], bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
        if let failure {
            let name = RecordKind.allCases[index].fileName
            throw ConnectorError(.writeFailed, "cannot write \(name) in \(path): \(String(cString: strerror(failure)))")
        }
        lengths[index] += Int64(buffers[index].count)
        buffers[index].removeAll(keepingCapacity: true)
    }
}
