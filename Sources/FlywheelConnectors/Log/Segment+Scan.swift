import Foundation

/// What an open found at the tail of a segment and what it did about it.
public struct RecoveryReport: Sendable, Equatable, CustomStringConvertible {
    /// The segment data file.
    public var path: String
    /// Bytes of whole, valid frames kept.
    public var validBytes: Int
    /// Bytes cut from the end of the file (0 for a read-only open, which only stops reading there).
    public var truncatedBytes: Int
    /// Why the tail was not valid: a partial frame, a checksum mismatch, an unexpected offset.
    public var reason: String

    public var description: String {
        "\(path): \(reason) at byte \(validBytes); truncated \(truncatedBytes) bytes"
    }
}

extension Segment {
    /// The outcome of scanning frames from a known-good position to the end of the file.
    struct Scan {
        var validEnd: Int
        var nextOffset: Int64
        var maxTimestamp = Int64.min
        var problem: String?
        /// The problem is a frame announcing more bytes than the file holds.
        var incomplete = false
        var entries: [IndexEntry] = []
    }

    /// What `recover` found at the end of the valid frames.
    enum Tail {
        /// Every byte of the file is a valid frame.
        case clean
        /// An incomplete last frame or zero bytes to the end: what a crash in the middle of an append leaves.
        case torn(RecoveryReport)
        /// A whole frame that is wrong, or a bad frame followed by valid ones.
        case damaged(LogDamage)

        /// What was wrong, for a warning; nil when clean.
        var problem: String? {
            switch self {
            case .clean: nil
            case .torn(let report): report.reason
            case .damaged(let damage): damage.reason
            }
        }
    }

    /// Scans the tail of the segment from its last usable index entry, rebuilding missing index entries, and
    /// sets `size` and `nextOffset` to the end of the valid frames. A torn tail is cut off the file with
    /// `repair` (read-only, reading simply stops there); damage is never cut unless `cutDamage` is set too.
    func recover(indexInterval: Int, repair: Bool, cutDamage: Bool = false) throws(LogError) -> Tail {
        let fileSize = try LogFile.size(fd, path: logPath)
        var scan: Scan
        while true {
            let start = floor(for: .max)
            lastIndexedPosition = start.position
            scan = try self.scan(from: start.position, offset: start.offset, to: fileSize, indexInterval: indexInterval)
            // A bad frame right at the last index entry: the entry may be stale; retry from the one before.
            if scan.problem != nil, scan.validEnd == start.position, !index.isEmpty {
                index.removeLast()
                continue
            }
            break
        }
        let rebuilt = !scan.entries.isEmpty
        index.append(contentsOf: scan.entries)
        size = scan.validEnd
        nextOffset = scan.nextOffset
        maxTimestamp = max(maxTimestamp, scan.maxTimestamp)
        lastIndexedPosition = Int(index.last?.position ?? 0)
        guard let problem = scan.problem else {
            if repair && (rebuilt || indexNeedsRewrite()) { try rewriteIndex() }
            return .clean
        }
        let torn = try isTorn(scan, end: fileSize)
        if repair && (torn || cutDamage) {
            try LogFile.truncate(fd, to: scan.validEnd, path: logPath)
            try LogFile.sync(fd, path: logPath)
            try rewriteIndex()
        }
        guard torn || (repair && cutDamage) else {
            return .damaged(LogDamage(offset: scan.nextOffset, path: logPath, position: scan.validEnd, reason: problem))
        }
        return .torn(
            RecoveryReport(
                path: logPath, validBytes: scan.validEnd, truncatedBytes: repair ? fileSize - scan.validEnd : 0,
                reason: torn ? problem : "damaged record at offset \(scan.nextOffset): \(problem)"))
    }

    /// Reads the frames appended since the segment was last scanned (by a writer in another process). Returns the
    /// damage found, or nil when the new bytes are valid frames, possibly followed by a write in progress.
    func extend(to fileSize: Int, indexInterval: Int) throws(LogError) -> LogDamage? {
        let scan = try scan(from: size, offset: nextOffset, to: fileSize, indexInterval: indexInterval)
        index.append(contentsOf: scan.entries)
        size = scan.validEnd
        nextOffset = scan.nextOffset
        maxTimestamp = max(maxTimestamp, scan.maxTimestamp)
        guard let problem = scan.problem, try !isTorn(scan, end: fileSize) else { return nil }
        return LogDamage(offset: scan.nextOffset, path: logPath, position: scan.validEnd, reason: problem)
    }

    private func indexNeedsRewrite() -> Bool {
        guard indexFD >= 0, let length = try? LogFile.size(indexFD, path: indexPath) else { return false }
        return length != index.count * 8
    }

    /// Reads frames from `position` (where the record `offset` starts) up to `end`, checking length, checksum
    /// and offset sequence, and noting index entries due. Stops at the first frame that is not whole and valid,
    /// or before the record `stopAt`.
    func scan(from position: Int, offset: Int64, to end: Int, indexInterval: Int, stopAt: Int64 = .max)
        throws(LogError) -> Scan
    {
        var scan = Scan(validEnd: position, nextOffset: offset)
        var chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        while scan.validEnd < end, scan.problem == nil, scan.nextOffset < stopAt {
            let wanted = min(chunk.count, end - scan.validEnd)
            let count = try LogFile.read(
                fd, into: UnsafeMutableRawBufferPointer(rebasing: chunk[0..<wanted]), at: scan.validEnd, path: logPath)
            guard count > 0 else { break }  // the file shrank under a read-only scan
            let bytes = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
            let consumed = scanChunk(
                bytes, chunkStart: scan.validEnd, end: end, stopAt: stopAt, into: &scan, interval: indexInterval)
            if case .grow(let needed) = consumed {
                chunk.deallocate()
                chunk = .allocate(byteCount: needed, alignment: 16)
            }
        }
        return scan
    }

    private enum ChunkOutcome { case done, grow(Int) }

    private func scanChunk(
        _ bytes: UnsafeRawBufferPointer, chunkStart: Int, end: Int, stopAt: Int64, into scan: inout Scan,
        interval: Int
    ) -> ChunkOutcome {
        var at = 0
        while at < bytes.count, scan.nextOffset < stopAt {
            switch RecordFrame.check(bytes, at: at) {
            case .valid(let frameBytes, let offset, let timestamp):
                guard offset == scan.nextOffset else {
                    scan.problem = "offset \(offset) where \(scan.nextOffset) was expected"
                    return .done
                }
                if let entry = noteFrame(at: chunkStart + at, offset: offset, interval: interval) {
                    scan.entries.append(entry)
                }
                at += frameBytes
                scan.validEnd = chunkStart + at
                scan.nextOffset += 1
                scan.maxTimestamp = max(scan.maxTimestamp, timestamp)
            case .incomplete(let needed):
                if chunkStart + at + needed > end {
                    scan.problem = "partial record (\(end - chunkStart - at) of \(needed) bytes)"
                    scan.incomplete = true
                    return .done
                }
                return at == 0 ? .grow(needed) : .done
            case .corrupt(let reason):
                scan.problem = reason
                return .done
            }
        }
        return .done
    }
}
