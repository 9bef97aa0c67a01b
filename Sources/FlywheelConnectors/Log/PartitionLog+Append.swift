import Foundation

extension PartitionLog {
    /// Appends the records of `batch` with one `write(2)` and returns the offset given to the first one; the
    /// others follow consecutively. The batch is emptied (its capacity kept) so it can be refilled.
    ///
    /// When it returns, the records are visible to readers and, with `FsyncPolicy.everyBatch`, on stable
    /// storage. The active segment is rolled first (flushed, then a new file) when the batch would grow it past
    /// `segmentBytes`; a batch always goes whole into one segment. An empty batch appends nothing and returns
    /// the high watermark.
    @discardableResult
    public func append(_ batch: inout LogBatch) throws(LogError) -> Int64 {
        try state.withLock { (state) throws(LogError) -> Int64 in
            guard !state.closed, !options.readOnly else {
                throw LogError(.invalidArgument, "\(directory) is closed or read-only; cannot append")
            }
            let base = state.highWatermark
            guard !batch.isEmpty else { return base }
            guard var active = state.segments.last else { throw LogError(.writeFailed, "\(directory) has no segment") }
            if active.size > 0 && active.size + batch.byteCount > options.segmentBytes {
                active = try roll(&state)
            }
            guard active.size + batch.byteCount <= Int(UInt32.max) else {
                throw LogError(.invalidArgument, "a batch of \(batch.byteCount) bytes does not fit in a segment")
            }
            try write(&batch, to: active, base: base)
            state.highWatermark = active.nextOffset
            try syncIfDue(&state)
            batch.removeAll()
            return base
        }
    }

    /// Appends `records` (their offsets are ignored) and returns the offset given to the first one.
    @discardableResult
    public func append(_ records: [LogRecord]) throws(LogError) -> Int64 {
        var batch = LogBatch(capacity: records.reduce(0) { $0 + RecordFrame.headerBytes + $1.value.count })
        for record in records { batch.append(record) }
        return try append(&batch)
    }

    /// Seals offsets and checksums into the batch, writes it at the end of `segment`, then its index entries.
    private func write(_ batch: inout LogBatch, to segment: Segment, base: Int64) throws(LogError) {
        let starts = batch.frameStarts
        let origin = segment.size
        var entries: [IndexEntry] = []
        batch.bytes.withUnsafeMutableBytes { bytes in
            for (number, start) in starts.enumerated() {
                let offset = base + Int64(number)
                RecordFrame.seal(bytes, at: start, offset: offset)
                if let entry = segment.noteFrame(
                    at: origin + start, offset: offset, interval: options.indexIntervalBytes)
                {
                    entries.append(entry)
                }
            }
        }
        do throws(LogError) {
            try LogFile.write(segment.fd, batch.bytes, at: origin, path: segment.logPath)
        } catch {
            // Leave no partial batch behind: the file ends where the last acknowledged batch ended.
            try? LogFile.truncate(segment.fd, to: origin, path: segment.logPath)
            segment.lastIndexedPosition = Int(segment.index.last?.position ?? 0)
            throw error
        }
        segment.size = origin + batch.byteCount
        segment.nextOffset = base + Int64(starts.count)
        segment.maxTimestamp = max(segment.maxTimestamp, batch.maxTimestamp)
        try segment.writeIndex(entries)
    }

    private func syncIfDue(_ state: inout State) throws(LogError) {
        switch options.fsync {
        case .everyBatch:
            try Self.sync(&state)
        case .interval(let interval):
            if ContinuousClock.now - state.lastSync >= interval { try Self.sync(&state) }
        case .never:
            break
        }
    }

    /// Closes the active segment (flushed unless the policy is `.never`) and starts a new one at the end.
    private func roll(_ state: inout State) throws(LogError) -> Segment {
        if options.fsync != .never { try Self.sync(&state) }
        let segment = try Segment.create(in: directory, base: state.highWatermark)
        try LogFile.syncDirectory(directory)
        state.segments.append(segment)
        try applyRetention(&state)
        return segment
    }

    /// Removes every record after `offset` (all of them when `offset` is below the log start), so that the next
    /// append gets `offset + 1`. For transactional staging: a writer appends tentatively and cuts back on abort.
    ///
    /// Call it from the writer; a reader racing with it may still return records that are being removed.
    public func truncate(after offset: Int64) throws(LogError) {
        try state.withLock { (state) throws(LogError) in
            guard !state.closed, !options.readOnly else {
                throw LogError(.invalidArgument, "\(directory) is closed or read-only; cannot truncate")
            }
            let target = max(offset + 1, state.segments.first?.baseOffset ?? 0)
            guard target < state.highWatermark else { return }
            while state.segments.count > 1, let last = state.segments.last, last.baseOffset >= target {
                try last.removeFiles()
                state.segments.removeLast()
            }
            guard let active = state.segments.last else { return }
            let position = try position(of: target, in: active)
            try LogFile.truncate(active.fd, to: position, path: active.logPath)
            active.index.removeAll { Int($0.position) >= position }
            active.size = position
            active.nextOffset = target
            active.lastIndexedPosition = Int(active.index.last?.position ?? 0)
            try active.rewriteIndex()
            try active.sync()
            state.highWatermark = target
            state.durableOffset = min(state.durableOffset, target)
        }
    }

    /// The file position where the record `offset` starts in `segment` (its size for the next offset).
    private func position(of offset: Int64, in segment: Segment) throws(LogError) -> Int {
        let start = segment.floor(for: offset)
        var scan = try segment.scan(
            from: start.position, offset: start.offset, to: segment.size, indexInterval: .max, stopAt: offset)
        if scan.nextOffset != offset && start.position > 0 {
            // The index entry may be a bad hint (it has no checksum): scan from the segment start.
            scan = try segment.scan(
                from: 0, offset: segment.baseOffset, to: segment.size, indexInterval: .max, stopAt: offset)
        }
        guard scan.nextOffset == offset else {
            throw LogError(.corrupt, "\(segment.logPath): offset \(offset) not found (\(scan.problem ?? "short"))")
        }
        return scan.validEnd
    }
}
