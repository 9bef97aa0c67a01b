/// A record as stored, valid only inside the closure it is passed to (it points into a read buffer).
public struct RecordView {
    public var offset: Int64
    public var timestamp: Int64
    /// nil for a record without a key.
    public var key: UnsafeRawBufferPointer?
    public var value: UnsafeRawBufferPointer

    /// A copy that outlives the closure.
    public var record: LogRecord {
        LogRecord(offset: offset, timestamp: timestamp, key: key.map { Array($0) }, value: Array(value))
    }
}

extension PartitionLog {
    /// Where a read starts: a segment, an indexed position at or before the wanted offset, and the valid end.
    private struct ReadPlan {
        var segment: Segment
        var position: Int
        var offset: Int64
        var limit: Int
    }

    /// Reads records from `offset` on: at least one when `offset` is below the high watermark, then more while
    /// their frames fit in `maxBytes` and there are fewer than `maxRecords`, all from one segment.
    ///
    /// An empty result means `offset` is at (or past) the high watermark (of a log without damage: at or past the
    /// damaged offset, the read fails). An offset before the log start is `LogError.Code.offsetOutOfRange`. Every
    /// frame's checksum is verified: a damaged record is a `.corrupt` error naming its offset (with the `LogDamage`
    /// as `cause` when the damage is in the newest segment); the records before it are returned by calls that
    /// start before it. Safe to call from any task.
    public func read(from offset: Int64, maxBytes: Int = 1 << 20, maxRecords: Int = .max) throws(LogError)
        -> [LogRecord]
    {
        var records: [LogRecord] = []
        try forEachRecord(from: offset, maxBytes: maxBytes, maxRecords: maxRecords) { records.append($0.record) }
        return records
    }

    /// Calls `body` for each record `read(from:maxBytes:maxRecords:)` would return, without copying them, and
    /// returns the offset to read next (`offset` itself when nothing was read).
    @discardableResult
    public func forEachRecord(
        from offset: Int64, maxBytes: Int = 1 << 20, maxRecords: Int = .max, _ body: (RecordView) -> Void
    ) throws(LogError) -> Int64 {
        guard var plan = try plan(from: offset), maxRecords > 0 else { return offset }
        do throws(LogError) {
            return try forEachRecord(plan, from: offset, maxBytes: maxBytes, maxRecords: maxRecords, body)
        } catch {
            // The index has no checksum: an entry that points at no frame, or at another record, is a bad hint,
            // not a damaged record. Nothing was handed out yet; read from the segment start instead.
            guard plan.position > 0, (error.cause as? LogDamage)?.position == plan.position else { throw error }
            plan.position = 0
            plan.offset = plan.segment.baseOffset
            return try forEachRecord(plan, from: offset, maxBytes: maxBytes, maxRecords: maxRecords, body)
        }
    }

    private func forEachRecord(
        _ plan: ReadPlan, from offset: Int64, maxBytes: Int, maxRecords: Int, _ body: (RecordView) -> Void
    ) throws(LogError) -> Int64 {
        var buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: min(plan.limit - plan.position, max(maxBytes, 4096) + options.indexIntervalBytes),
            alignment: 16)
        defer { buffer.deallocate() }
        var position = plan.position
        var next = plan.offset
        var taken = 0
        var delivered = 0
        reading: while position < plan.limit {
            let window = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, plan.limit - position)])
            let count = try LogFile.read(plan.segment.fd, into: window, at: position, path: plan.segment.logPath)
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            var at = 0
            var needed = 0
            frames: while at < count {
                switch RecordFrame.check(bytes, at: at) {
                case .valid(let frameBytes, let frameOffset, let timestamp):
                    guard frameOffset == next else {
                        throw corrupt(
                            plan.segment, next, position + at, "offset \(frameOffset) where \(next) was expected")
                    }
                    if frameOffset >= offset {
                        if delivered > 0 && taken + frameBytes > maxBytes { break reading }
                        body(Self.view(bytes, at: at, offset: frameOffset, timestamp: timestamp))
                        taken += frameBytes
                        delivered += 1
                    }
                    at += frameBytes
                    next += 1
                    if delivered >= maxRecords { break reading }
                case .incomplete(let bytesNeeded):
                    if at == 0 { needed = bytesNeeded }
                    break frames
                case .corrupt(let reason):
                    throw corrupt(plan.segment, next, position + at, reason)
                }
            }
            if needed > 0 {
                guard position + needed <= plan.limit else {
                    throw corrupt(plan.segment, next, position, "frame runs past the valid end")
                }
                buffer.deallocate()
                buffer = .allocate(byteCount: needed, alignment: 16)
                continue
            }
            position += at
            if taken >= maxBytes { break }
        }
        return next
    }

    private func plan(from offset: Int64) throws(LogError) -> ReadPlan? {
        try state.withLock { (state) throws(LogError) -> ReadPlan? in
            let start = state.segments.first?.baseOffset ?? state.highWatermark
            guard offset >= start else {
                throw LogError(.offsetOutOfRange, "offset \(offset) is before the log start \(start) of \(directory)")
            }
            // Before the end check: an offset past the damage (the end is just after it) cannot be reached either.
            if let damage = state.damage, offset >= damage.offset {
                throw LogError(.corrupt, "\(directory): \(damage)", cause: damage)
            }
            guard offset < state.highWatermark else { return nil }
            var low = 0
            var high = state.segments.count
            while low < high {
                let middle = (low + high) / 2
                if state.segments[middle].baseOffset <= offset { low = middle + 1 } else { high = middle }
            }
            let segment = state.segments[max(0, low - 1)]
            let floor = segment.floor(for: offset)
            return ReadPlan(segment: segment, position: floor.position, offset: floor.offset, limit: segment.size)
        }
    }

    private static func view(_ bytes: UnsafeRawBufferPointer, at: Int, offset: Int64, timestamp: Int64) -> RecordView {
        let end = at + 4 + Int(RecordFrame.u32(bytes, at))
        let keyLength = RecordFrame.u32(bytes, at + 24)
        let keyStart = at + RecordFrame.headerBytes
        let valueStart = keyLength == RecordFrame.noKey ? keyStart : keyStart + Int(keyLength)
        let key = keyLength == RecordFrame.noKey ? nil : UnsafeRawBufferPointer(rebasing: bytes[keyStart..<valueStart])
        return RecordView(
            offset: offset, timestamp: timestamp, key: key,
            value: UnsafeRawBufferPointer(rebasing: bytes[valueStart..<end]))
    }

    private func corrupt(_ segment: Segment, _ offset: Int64, _ position: Int, _ reason: String) -> LogError {
        let damage = LogDamage(offset: offset, path: segment.logPath, position: position, reason: reason)
        return LogError(.corrupt, "\(directory): \(damage)", cause: damage)
    }
}
