extension Segment {
    /// True when the bytes from `scan.validEnd` to `end` are what a crash in the middle of an append leaves: zero
    /// bytes only (a file extended without its data), or an incomplete frame with no valid frame after it.
    ///
    /// Anything else is damage: a whole frame with a wrong checksum, or a bad frame followed by valid frames (a
    /// flipped length makes a frame in the middle look incomplete, but the frames after it are still whole), or a
    /// last frame whose flipped length announces more bytes than the file holds while the bytes it has are the
    /// whole frame (its checksum matches them).
    func isTorn(_ scan: Scan, end: Int) throws(LogError) -> Bool {
        if try onlyZeros(from: scan.validEnd, to: end) { return true }
        guard scan.incomplete else { return false }
        if try isWholeFrameWithBadLength(at: scan.validEnd, to: end) { return false }
        return try !hasValidFrame(after: scan.validEnd, to: end, expecting: scan.nextOffset)
    }

    /// True when the bytes from `position` to `end` are one frame with a correct checksum once its length field
    /// says how many bytes there are: a whole record whose length was damaged, not a write cut short (whose
    /// checksum, computed over bytes that were never written, cannot match).
    private func isWholeFrameWithBadLength(at position: Int, to end: Int) throws(LogError) -> Bool {
        let count = end - position
        guard count >= RecordFrame.headerBytes, count <= RecordFrame.maximumLength + 4 else { return false }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        defer { buffer.deallocate() }
        guard try LogFile.read(fd, into: buffer, at: position, path: logPath) == count else { return false }
        buffer.storeBytes(of: UInt32(count - 4).littleEndian, toByteOffset: 0, as: UInt32.self)
        if case .valid = RecordFrame.check(UnsafeRawBufferPointer(buffer), at: 0) { return true }
        return false
    }

    /// True when every byte of the file from `start` to `end` is zero.
    private func onlyZeros(from start: Int, to end: Int) throws(LogError) -> Bool {
        var zeros = true
        try forEachChunk(from: start, to: end, overlap: 0) { chunk, _ in
            zeros = chunk.allSatisfy { $0 == 0 }
            return zeros
        }
        return zeros
    }

    /// True when a whole frame with a correct checksum and an offset after `expected` starts somewhere after
    /// `position`. Only positions whose header holds a plausible length and offset are checksummed.
    private func hasValidFrame(after position: Int, to end: Int, expecting expected: Int64) throws(LogError)
        -> Bool
    {
        let headerBytes = RecordFrame.headerBytes
        let mostRecords = Int64((end - position) / headerBytes + 1)
        var found = false
        var failure: LogError?
        try forEachChunk(from: position + 1, to: end, overlap: headerBytes) { chunk, chunkStart in
            var at = 0
            while at + headerBytes <= chunk.count {
                let length = Int(RecordFrame.u32(chunk, at))
                let offset = Int64(bitPattern: RecordFrame.u64(chunk, at + 8))
                if length >= headerBytes - 4, length <= RecordFrame.maximumLength, chunkStart + at + 4 + length <= end,
                    offset > expected, offset <= expected + mostRecords
                {
                    do throws(LogError) {
                        if try frameIsValid(at: chunkStart + at, bytes: 4 + length) {
                            found = true
                            return false
                        }
                    } catch {
                        failure = error
                        return false
                    }
                }
                at += 1
            }
            return true
        }
        if let failure { throw failure }
        return found
    }

    private func frameIsValid(at position: Int, bytes count: Int) throws(LogError) -> Bool {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        defer { buffer.deallocate() }
        guard try LogFile.read(fd, into: buffer, at: position, path: logPath) == count else { return false }
        if case .valid = RecordFrame.check(UnsafeRawBufferPointer(buffer), at: 0) { return true }
        return false
    }

    /// Calls `body` with consecutive pieces of the file from `start` to `end` (each piece repeats the last
    /// `overlap` bytes of the one before) and the file position of each, while `body` returns true.
    private func forEachChunk(
        from start: Int, to end: Int, overlap: Int, _ body: (UnsafeRawBufferPointer, Int) -> Bool
    ) throws(LogError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var position = start
        while position < end {
            let wanted = min(buffer.count, end - position)
            let count = try LogFile.read(
                fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: position, path: logPath)
            guard count > 0 else { return }
            guard body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), position) else { return }
            guard position + count < end else { return }
            position += max(1, count - overlap)
        }
    }
}
