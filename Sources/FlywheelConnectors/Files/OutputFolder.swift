import CFileIO
import FlywheelEngine
import FlywheelSignals
import Foundation

/// The replay output folder of CONTRACT section 6: one JSONL file per record kind (created even
/// when empty) and `summary.json`, written through 1 MiB buffers.
///
/// Files are written as `NAME.jsonl.inprogress` and get their final names only when the replay
/// has finished (then `summary.json` is written atomically and the folder is fsynced): an
/// interrupted or failed replay never leaves a partial file under a final name.
///
/// In checkpointed replays `commit()` (called as a checkpoint completes) flushes and fsyncs the
/// files and returns their lengths, which the checkpoint records as committed. Bytes past those
/// lengths are in progress: a resumed replay cuts every file back to its committed length and
/// produces the same records again (replay is deterministic), so each record is in the finished
/// files exactly once. Records are not held in memory between checkpoints.
final class OutputFolder {
    static let inProgressSuffix = ".inprogress"
    /// The final names of the record files.
    static var fileNames: [String] { RecordKind.allCases.map(\.fileName) }

    let path: String
    private var files: [Int32]
    private var buffers: [[UInt8]]
    private var lengths: [Int64]
    private let flushBytes: Int

    /// Refuses a non-empty folder unless `force`. Leftovers of an unfinished replay (`.inprogress`
    /// files, `summary.json.tmp`) do not count: they are never final output.
    static func checkEmpty(_ path: String, force: Bool) throws(ConnectorError) {
        let leftovers = Set(fileNames.map { $0 + inProgressSuffix } + ["summary.json" + AtomicFile.temporarySuffix])
        let existing = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter {
            !leftovers.contains($0)
        }
        if !existing.isEmpty && !force {
            throw ConnectorError(
                .outputNotEmpty, "output folder \(path) is not empty: choose another --out or pass --force to overwrite"
            )
        }
    }

    /// Prepares `path`, replacing the files a replay writes (and touching nothing else): the caller
    /// has checked first (`checkEmpty`) that the folder may be written, before it created anything
    /// there (a checkpoint folder inside it). `resumeLengths` (checkpointed replays):
    /// the `.inprogress` files are cut back to those committed lengths; without, the final files of
    /// an earlier replay are removed at once, so that an interrupted run leaves none of them.
    init(path: String, resumeLengths: [Int64]? = nil) throws(ConnectorError) {
        self.path = path
        flushBytes = 1 << 20
        lengths = resumeLengths ?? Array(repeating: 0, count: RecordKind.allCases.count)
        try AtomicFile.createFolder(path, what: "output folder")
        files = []
        buffers = Array(repeating: [], count: RecordKind.allCases.count)
        for name in ["summary.json", "summary.json" + AtomicFile.temporarySuffix] { unlink(file(name)) }
        for kind in RecordKind.allCases {
            let final = file(kind.fileName)
            let inProgress = final + Self.inProgressSuffix
            if resumeLengths == nil {
                unlink(final)
            } else {
                try Self.reclaim(inProgress, from: final, committed: lengths[kind.rawValue])
            }
            let fd = open(inProgress, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0, ftruncate(fd, off_t(lengths[kind.rawValue])) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
                throw ConnectorError(.writeFailed, "cannot create \(inProgress): \(String(cString: strerror(errno)))")
            }
            files.append(fd)
        }
    }

    private func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Before resuming into `file`: a crash after the final rename left the data under `final`, so
    /// move it back; a file shorter than its committed length cannot be resumed.
    private static func reclaim(_ file: String, from final: String, committed: Int64) throws(ConnectorError) {
        let manager = FileManager.default
        if !manager.fileExists(atPath: file), manager.fileExists(atPath: final) {
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
        // Every file's write-back is started before the first wait, so that the disk writes them together.
        for index in buffers.indices { try flush(index) }
        for index in buffers.indices {
            guard fsync(files[index]) == 0 else {
                let name = RecordKind.allCases[index].fileName
                throw ConnectorError(
                    .writeFailed, "cannot fsync \(name) in \(path): \(String(cString: strerror(errno)))")
            }
        }
        return lengths
    }

    /// Flushes and syncs every file and `summary.json.tmp` (so that a full disk fails before any
    /// file has its final name), gives each its final name, `summary.json` last, and syncs the
    /// folder (which makes the renames durable).
    func finish(summary: String) throws(ConnectorError) {
        _ = try commit()
        try AtomicFile.writeTemporary(Array(summary.utf8), for: file("summary.json"))
        for name in Self.fileNames {
            guard rename(file(name + Self.inProgressSuffix), file(name)) == 0 else {
                throw ConnectorError(
                    .writeFailed,
                    "cannot rename \(file(name + Self.inProgressSuffix)): \(String(cString: strerror(errno)))")
            }
        }
        try AtomicFile.commit(file("summary.json"))
    }

    /// Bytes in the files now, as an interrupted or failed replay leaves them (records still staged
    /// in memory are not there, and a failed write may have put part of a buffer there).
    var bytesOnDisk: Int64 {
        files.reduce(0) { total, fd in
            var status = stat()
            return total + (fstat(fd, &status) == 0 ? Int64(status.st_size) : 0)
        }
    }

    private func flush(_ index: Int) throws(ConnectorError) {
        let failure = buffers[index].withUnsafeBytes { Descriptor.writeAll(files[index], $0) }
        if let failure {
            let name = RecordKind.allCases[index].fileName
            throw ConnectorError(.writeFailed, "cannot write \(name) in \(path): \(String(cString: strerror(failure)))")
        }
        lengths[index] += Int64(buffers[index].count)
        buffers[index].removeAll(keepingCapacity: true)
        // The kernel would keep these pages dirty until the final fsync (for output far under its dirty limits)
        // and then write them all while the replay waits: starting their write-back as they are written puts the
        // disk to work beside the operators.
        _ = flywheel_start_write_back(files[index])
    }
}
