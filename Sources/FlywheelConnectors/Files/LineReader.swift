import CZlib
import FlywheelRuntime
import Foundation

/// Splits an input into lines with `memchr` over 1 MiB reads. Lines end at "\n" only; a last
/// line without "\n" counts. Lines longer than `maxLineBytes` are never held in memory whole.
///
/// A reader that `followsGrowth` (a followed file) takes the end of the input for "nothing more
/// now": its reads return `.caughtUp` there, and a partial last line stays buffered until its
/// "\n" arrives (or `deliverPartialLine` hands it over, when the file was rotated away). Over a
/// `nonblocking` source (`topic produce`), reads return `.caughtUp` when the source has nothing
/// now, and take the last line without "\n" at its real end.
final class LineReader {
    private let source: ByteSource
    private let maxLineBytes: Int
    private let followsGrowth: Bool
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var atEOF = false
    /// The last read of the source found nothing (for now).
    private(set) var caughtUp = false
    private var oversized: (prefix: [UInt8], length: Int)?
    private(set) var lineNumber: Int64 = 0
    /// Absolute byte offset (in the decompressed input) of `buffer[0]`.
    private var bufferOffset: Int64 = 0
    /// Absolute byte offset just past the last delivered line (where reading would resume).
    private(set) var endOffset: Int64 = 0
    /// Whether `prefixHash` is kept (checkpointed replays: it fingerprints the input they resume).
    var hashesPrefix = false
    /// CRC-32 of the input's bytes before `endOffset` (when `hashesPrefix`).
    private(set) var prefixHash: UInt32 = 0

    init(source: ByteSource, maxLineBytes: Int, chunkBytes: Int = 1 << 20, followsGrowth: Bool = false) {
        self.source = source
        self.maxLineBytes = maxLineBytes
        self.followsGrowth = followsGrowth
        buffer = .allocate(byteCount: max(chunkBytes, 4096), alignment: 16)
    }

    /// Continues reading at byte `offset`, numbering lines after `lineNumber` and hashing on from
    /// `prefixHash` (resuming a checkpoint). Call before the first read.
    func resume(at offset: Int64, lineNumber: Int64, prefixHash: UInt32 = 0) throws(ConnectorError) {
        try source.seek(to: offset)
        self.lineNumber = lineNumber
        self.prefixHash = prefixHash
        bufferOffset = offset
        endOffset = offset
    }

    /// Calls `body` with up to `maxLines` lines and their 1-based numbers; returns false at the end.
    func read(maxLines: Int, _ body: (Int64, LineContent) -> Void) throws(ConnectorError) -> Bool {
        try read(maxLines: maxLines) { number, _, content in body(number, content) }
    }

    deinit { buffer.deallocate() }

    var name: String { source.name }

    /// Calls `body` with up to `maxLines` lines, their 1-based numbers and the byte offset just past
    /// each; returns false at the end.
    func read(maxLines: Int, _ body: (Int64, Int64, LineContent) -> Void) throws(ConnectorError) -> Bool {
        try readLines(maxLines: maxLines, body) != .ended
    }

    /// Calls `body` with up to `maxLines` lines, their 1-based numbers and the byte offset just past
    /// each, reading the source at most `maxReads` times. `.more` when it delivered lines (or may
    /// deliver more at once); `.caughtUp` when the source has nothing more now; `.ended` at the end.
    func readLines(
        maxLines: Int, maxReads: Int = .max, _ body: (Int64, Int64, LineContent) -> Void
    ) throws(ConnectorError) -> ReadStatus {
        var delivered = 0
        var reads = 0
        while delivered < maxLines {
            if let newline = findNewline() {
                endOffset = bufferOffset + Int64(newline + 1)
                if hashesPrefix { hash(upTo: newline + 1) }
                deliver(upTo: newline, body)
                start = newline + 1
                delivered += 1
                continue
            }
            if atEOF {
                if deliverPartialLine(body) { delivered += 1 }
                return delivered > 0 ? .more : .ended
            }
            guard reads < maxReads else { return .more }
            reads += 1
            guard try refill() else { return delivered > 0 ? .more : .caughtUp }
        }
        return .more
    }

    /// Hands over the buffered bytes after the last "\n" as a line; false when there are none.
    func deliverPartialLine(_ body: (Int64, Int64, LineContent) -> Void) -> Bool {
        guard start < end || oversized != nil else { return false }
        endOffset = bufferOffset + Int64(end)
        if hashesPrefix { hash(upTo: end) }
        deliver(upTo: end, body)
        start = end
        return true
    }

    /// Byte offset (in the input) just past the bytes read so far, delivered or buffered.
    var readOffset: Int64 { bufferOffset + Int64(end) }

    /// Bytes read of a line whose "\n" has not come yet (after a read that delivered every line).
    var unfinishedLineBytes: Int { (oversized?.length ?? 0) + (end - start) + source.unsniffedBytes }

    /// Reads the input again from its first byte, numbering lines from 1 (a followed file that was
    /// truncated); what was buffered is dropped.
    func restart() throws(ConnectorError) {
        try source.rewind()
        start = 0
        end = 0
        atEOF = false
        caughtUp = false
        oversized = nil
        lineNumber = 0
        bufferOffset = 0
        endOffset = 0
        prefixHash = 0
    }

    /// Adds `buffer[start..<index]`, bytes being consumed, to `prefixHash`.
    private func hash(upTo index: Int) {
        guard index > start, let base = buffer.baseAddress else { return }
        prefixHash = UInt32(
            crc32(UInt(prefixHash), base.assumingMemoryBound(to: Bytef.self) + start, UInt32(index - start)))
    }

    private func findNewline() -> Int? {
        guard start < end, let base = buffer.baseAddress else { return nil }
        guard let hit = memchr(base + start, 0x0A, end - start) else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
    }

    /// Inlined: called out of line, it had the caller retain and release the objects `body` captures around
    /// every line (two atomic pairs per line).
    @inline(__always)
    private func deliver(upTo index: Int, _ body: (Int64, Int64, LineContent) -> Void) {
        lineNumber += 1
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[start..<index])
        if var big = oversized {
            big.length += bytes.count
            oversized = nil
            body(lineNumber, endOffset, .oversized(prefix: big.prefix, length: big.length))
        } else if bytes.count > maxLineBytes {
            body(lineNumber, endOffset, .oversized(prefix: Array(bytes.prefix(4096)), length: bytes.count))
        } else {
            body(lineNumber, endOffset, .line(bytes))
        }
    }

    /// Moves the partial line to the front and reads more; a partial line past the limit is
    /// reduced to its prefix and length. False when the source has nothing now: always at its end
    /// when the reader `followsGrowth`.
    private func refill() throws(ConnectorError) -> Bool {
        let pending = end - start
        if pending > maxLineBytes || oversized != nil {
            if hashesPrefix { hash(upTo: end) }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
            if oversized == nil {
                oversized = (Array(bytes.prefix(4096)), bytes.count)
            } else {
                oversized!.length += bytes.count
            }
            bufferOffset += Int64(end)
            start = 0
            end = 0
        } else if start > 0 {
            if pending > 0, let base = buffer.baseAddress { memmove(base, base + start, pending) }
            bufferOffset += Int64(start)
            start = 0
            end = pending
        }
        if end == buffer.count { grow() }
        let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        caughtUp = count == 0 && (followsGrowth || !source.atEnd)
        if caughtUp { return false }
        if count == 0 { atEOF = true }
        end += count
        return true
    }

    private func grow() {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
        bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
        buffer.deallocate()
        buffer = bigger
    }
}
