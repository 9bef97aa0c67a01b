import Foundation

extension PartitionLog {
    /// Deletes whole old segments that retention no longer keeps and returns the new log start offset.
    ///
    /// By size: the oldest segments go while the partition is larger than `retentionBytes`. By age: a segment goes
    /// when its newest record is older than `retentionMillis` by the clock. The active segment is never deleted,
    /// so a partition can exceed `retentionBytes` by at most one segment. Runs after every roll and at open;
    /// call it periodically for age-based retention of an idle partition. Does nothing on a read-only log.
    @discardableResult
    public func enforceRetention() throws(LogError) -> Int64 {
        try state.withLock { (state) throws(LogError) -> Int64 in
            try applyRetention(&state)
            return state.segments.first?.baseOffset ?? state.highWatermark
        }
    }

    func applyRetention() throws(LogError) {
        try state.withLock { (state) throws(LogError) in try applyRetention(&state) }
    }

    func applyRetention(_ state: inout State) throws(LogError) {
        guard !options.readOnly, options.retentionBytes != nil || options.retentionMillis != nil else { return }
        let now = options.clock()
        var total = state.segments.reduce(0) { $0 + $1.size }
        var removed = false
        while state.segments.count > 1 {
            let oldest = state.segments[0]
            let tooBig = options.retentionBytes.map { total > $0 } ?? false
            let tooOld = options.retentionMillis.map { oldest.maxTimestamp != .min && now - oldest.maxTimestamp > $0 }
            guard tooBig || tooOld == true else { break }
            try oldest.removeFiles()
            state.segments.removeFirst()
            total -= oldest.size
            removed = true
        }
        if removed { try LogFile.syncDirectory(directory) }
    }

    /// For a read-only log: picks up the records and segments a writer (in another process) has added since, and
    /// forgets the segments its retention deleted. Returns the new high watermark.
    ///
    /// A partial frame at the end (a write in progress) is not read until it is whole. Damage found in the newest
    /// segment is kept in `damage` (and reads fail at its offset) until a repair replaces the damaged bytes.
    @discardableResult
    public func refresh() throws(LogError) -> Int64 {
        try state.withLock { (state) throws(LogError) -> Int64 in
            guard options.readOnly else { return state.highWatermark }
            let bases = Self.segmentBases(in: directory)
            let listed = Set(bases)
            state.segments.removeAll { !listed.contains($0.baseOffset) }
            var damage: LogDamage?
            if let last = state.segments.last {
                let fileSize = try LogFile.size(last.fd, path: last.logPath)
                if fileSize > last.size || state.damage != nil {
                    damage = try last.extend(to: fileSize, indexInterval: options.indexIntervalBytes)
                }
            }
            let known = state.segments.last?.baseOffset ?? -1
            for base in bases where base > known {
                guard let segment = try? Segment.open(in: directory, base: base, writable: false) else { break }
                if case .damaged(let found) = try segment.recover(
                    indexInterval: options.indexIntervalBytes, repair: false)
                {
                    damage = found
                } else {
                    damage = nil
                }
                state.segments.append(segment)
            }
            state.damage = damage
            state.highWatermark = damage.map { $0.offset + 1 } ?? state.segments.last?.nextOffset ?? state.highWatermark
            state.durableOffset = state.highWatermark
            return state.highWatermark
        }
    }
}
