import CFileIO
import Foundation

/// One entry of a segment's sparse index: a record's offset relative to the segment base and its file position.
struct IndexEntry: Equatable, Sendable {
    var relativeOffset: UInt32
    var position: UInt32
}

/// One data file of a partition (`<base offset>.log`) and its sparse index (`<base offset>.index`).
///
/// The index holds an entry (u32 relative offset, u32 position, little-endian) for the first record that
/// starts `indexInterval` bytes or more after the previous entry (or the file start). It is a hint: recovery
/// rebuilds it from the data file, so it is never fsynced on its own.
// @unchecked Sendable: the file descriptors and paths are immutable (pread/pwrite are thread-safe); the
// mutable fields are read and written only by the owning PartitionLog while it holds its state mutex.
final class Segment: @unchecked Sendable {
    let baseOffset: Int64
    let logPath: String
    let indexPath: String
    let writable: Bool
    let fd: Int32
    let indexFD: Int32

    /// Bytes of valid frames; the file may be longer only while a recovery or a read-only scan runs.
    var size = 0
    /// The offset the next record appended here gets.
    var nextOffset: Int64
    /// The largest timestamp seen in the records scanned or appended since the segment was opened.
    var maxTimestamp = Int64.min
    var index: [IndexEntry] = []
    /// Position of the last index entry (0 when there is none: the file start is an implicit entry).
    var lastIndexedPosition = 0

    /// The file name of a segment: the base offset in 20 digits, zero padded, then `suffix`.
    static func fileName(base: Int64, suffix: String) -> String {
        let digits = String(base)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The base offset of a `.log` file name, or nil for another file.
    static func baseOffset(ofFileName name: String) -> Int64? {
        guard name.hasSuffix(".log"), name.count == 24 else { return nil }
        return Int64(name.dropLast(4))
    }

    private init(directory: String, base: Int64, writable: Bool, create: Bool) throws(LogError) {
        baseOffset = base
        nextOffset = base
        logPath = (directory as NSString).appendingPathComponent(Self.fileName(base: base, suffix: ".log"))
        indexPath = (directory as NSString).appendingPathComponent(Self.fileName(base: base, suffix: ".index"))
        self.writable = writable
        fd = try LogFile.open(logPath, writable: writable, create: create)
        if writable {
            do throws(LogError) {
                indexFD = try LogFile.open(indexPath, writable: true, create: true)
            } catch {
                Foundation.close(fd)
                throw error
            }
        } else {
            indexFD = -1
        }
    }

    deinit {
        Foundation.close(fd)
        if indexFD >= 0 { Foundation.close(indexFD) }
    }

    /// Creates an empty segment file (and index) starting at `base`.
    static func create(in directory: String, base: Int64) throws(LogError) -> Segment {
        try Segment(directory: directory, base: base, writable: true, create: true)
    }

    /// Opens an existing segment and loads its index; the caller then scans its tail (`recover`).
    static func open(in directory: String, base: Int64, writable: Bool) throws(LogError) -> Segment {
        let segment = try Segment(directory: directory, base: base, writable: writable, create: false)
        try segment.loadIndex()
        return segment
    }

    /// Reads the index file, keeping the longest prefix of strictly increasing entries.
    private func loadIndex() throws(LogError) {
        let fileSize = try LogFile.size(fd, path: logPath)
        let indexFile = indexFD >= 0 ? indexFD : Foundation.open(indexPath, O_RDONLY | O_CLOEXEC)
        guard indexFile >= 0 else { return }  // a missing index is rebuilt by the scan
        defer { if indexFile != indexFD { Foundation.close(indexFile) } }
        let count = try LogFile.size(indexFile, path: indexPath) / 8
        var raw = [UInt8](repeating: 0, count: count * 8)
        var failure: LogError?
        let read = raw.withUnsafeMutableBytes { buffer in
            do throws(LogError) {
                return try LogFile.read(indexFile, into: buffer, at: 0, path: indexPath)
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        raw.withUnsafeBytes { bytes in
            for at in stride(from: 0, to: read / 8 * 8, by: 8) {
                let entry = IndexEntry(
                    relativeOffset: RecordFrame.u32(bytes, at), position: RecordFrame.u32(bytes, at + 4))
                let previous = index.last ?? IndexEntry(relativeOffset: 0, position: 0)
                guard entry.relativeOffset > previous.relativeOffset, entry.position > previous.position,
                    Int(entry.position) < fileSize
                else { break }
                index.append(entry)
            }
        }
        lastIndexedPosition = Int(index.last?.position ?? 0)
    }

    /// The last indexed record at or before `offset`: its offset and file position (the segment start if none).
    func floor(for offset: Int64) -> (offset: Int64, position: Int) {
        let relative = offset - baseOffset
        var low = 0
        var high = index.count
        while low < high {
            let middle = (low + high) / 2
            if Int64(index[middle].relativeOffset) <= relative { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return (baseOffset, 0) }
        let entry = index[low - 1]
        return (baseOffset + Int64(entry.relativeOffset), Int(entry.position))
    }

    /// Records an index entry for a frame at `position` with `offset` if it is due.
    func noteFrame(at position: Int, offset: Int64, interval: Int) -> IndexEntry? {
        guard position - lastIndexedPosition >= interval, position > 0 else { return nil }
        lastIndexedPosition = position
        return IndexEntry(relativeOffset: UInt32(offset - baseOffset), position: UInt32(position))
    }

    /// Writes `entries` after the index entries already in the file (which holds `index.count` entries).
    func writeIndex(_ entries: [IndexEntry]) throws(LogError) {
        guard indexFD >= 0, !entries.isEmpty else { return }
        let bytes = Self.encode(entries)
        let at = index.count * 8
        index.append(contentsOf: entries)
        try LogFile.write(indexFD, bytes, at: at, path: indexPath)
    }

    /// Replaces the index file's content with `index`.
    func rewriteIndex() throws(LogError) {
        guard indexFD >= 0 else { return }
        let bytes = Self.encode(index)
        try LogFile.write(indexFD, bytes, at: 0, path: indexPath)
        try LogFile.truncate(indexFD, to: bytes.count, path: indexPath)
    }

    private static func encode(_ entries: [IndexEntry]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * 8)
        for entry in entries {
            withUnsafeBytes(of: entry.relativeOffset.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: entry.position.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Flushes the data file to stable storage.
    func sync() throws(LogError) { try LogFile.sync(fd, path: logPath) }

    /// Starts writing the data file's dirty pages to the disk, without waiting for them; a later `sync()`
    /// then mostly waits. Failures are left for that `sync()` to report.
    func startWriteBack() { _ = flywheel_start_write_back(fd) }

    /// Removes both files; open descriptors (held by readers) stay readable until the segment is released.
    func removeFiles() throws(LogError) {
        for path in [logPath, indexPath] where unlink(path) != 0 && errno != ENOENT {
            throw LogError(.writeFailed, "cannot remove \(path): \(LogFile.errnoText())")
        }
    }
}
