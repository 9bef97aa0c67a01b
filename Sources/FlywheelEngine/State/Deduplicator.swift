import Collections

/// Remembers ids for a time-to-live in event time, to drop repeated copies of an event.
///
/// An id seen at event time t is forgotten exactly when the watermark W satisfies
/// `W >= t + ttl`; a copy arriving after that is new again. Only the first copy's time counts.
///
/// Ids are remembered by their 128-bit `IDFingerprint`, not their text: 24 bytes in a table slot, 33-41
/// bytes an id in all as the table fills and grows (README, Performance and Decisions). Forgotten ids are
/// not looked for: a lookup treats an entry whose time-to-live has passed as absent, and the table drops
/// them when it would otherwise grow (`FingerprintTable.makeRoom`), in one pass front to back. Which ids a
/// checkpoint holds follows buckets of `ttl / 8`: an id is written until the watermark of the last
/// `expire` call passes the end of its bucket by the time-to-live, as when each bucket's ids were removed
/// from the table at once.
public struct Deduplicator: Sendable {
    public let ttlMs: Int64
    private let bucketMs: Int64
    /// Each remembered id's fingerprint with the time it was first seen (and ids forgotten since, until the
    /// table next needs room).
    private var table: FingerprintTable
    /// The watermark of the last `expire` call: ids whose bucket it passed by the time-to-live are forgotten
    /// for good (dropped when the table needs room, left out of checkpoints and of `count`).
    private var expiredAt = EventTime.min.millis

    public init(ttlMs: Int64) { self.init(ttlMs: ttlMs, capacity: 1024) }

    init(ttlMs: Int64, capacity: Int) {
        self.ttlMs = ttlMs
        self.bucketMs = Swift.max(1, ttlMs / 8)
        table = FingerprintTable(capacity: capacity)
    }

    /// Ids currently remembered (a pass over the table: for reports, not for the hot path).
    public var count: Int {
        var remembered = 0
        table.forEach { _, _, time in if !isDropped(time) { remembered += 1 } }
        return remembered
    }

    /// Bytes held for the remembered ids: the table's slots, as allocated.
    public var allocatedBytes: Int { table.capacity * MemoryLayout<FingerprintTable.Entry>.stride }

    /// Returns true when `id` was seen and not yet forgotten at watermark `watermark`; otherwise
    /// remembers it with time `t` and returns false. `hash` is `StableHash.hash(id)`, computed
    /// when not given.
    @inline(__always)
    public mutating func checkAndInsert(
        _ id: String, hash: UInt64? = nil, at t: EventTime, watermark: EventTime
    ) -> Bool {
        checkAndInsert(IDFingerprint(id, hash: hash), at: t, watermark: watermark)
    }

    /// `checkAndInsert(_:hash:at:watermark:)` for the id whose fingerprint is `fingerprint`.
    public mutating func checkAndInsert(_ fingerprint: IDFingerprint, at t: EventTime, watermark: EventTime) -> Bool {
        if table.isFull {
            if let latest = latestDropped() {
                table.makeRoom { $0 <= latest }
            } else {
                table.makeRoom { _ in false }
            }
        }
        let (slot, inserted) = table.findOrInsert(high: fingerprint.high, low: fingerprint.low, time: t.millis)
        if !inserted {
            if !expired(table[slot], watermark.millis) { return true }
            table[slot] = t.millis
        }
        return false
    }

    /// Starts loading the table slot of the id whose `StableHash` is `hash` into the cache;
    /// returns a value to keep the load.
    ///
    /// The table holds an hour of ids and can outgrow the caches, so a lookup may be a cache miss.
    /// Touching the slots of a run of events first lets those misses overlap instead of taking
    /// turns (see `IngestState.touch`).
    @inline(__always)
    public func touch(hash: UInt64) -> UInt64 { table.touch(high: hash) }

    /// Forgets for good the ids whose bucket `watermark` passed by the time-to-live (see the type's notes):
    /// they leave `count` and checkpoints now, and the table's memory when it next needs room.
    public mutating func expire(watermark: EventTime) {
        expiredAt = Swift.max(expiredAt, watermark.millis)
    }

    /// Whether an id first seen at `t` is forgotten for good: the end of its bucket of `ttl / 8` is expired at
    /// the last `expire` call's watermark.
    func isDropped(_ t: Int64) -> Bool {
        Self.isDropped(t, expiredAt: expiredAt, ttl: ttlMs, bucketMs: bucketMs)
    }

    /// The latest first-seen time `isDropped` accepts, nil when it accepts none: the times it accepts are all
    /// those up to one (a bucket's end grows with the time, and expires once the watermark passes it by the
    /// time-to-live), so a pass over the table compares each time with this one instead of dividing it by the
    /// bucket (a 64-bit division: most of such a pass's time). Found by bisection, 64 steps.
    func latestDropped() -> Int64? {
        guard isDropped(.min) else { return nil }
        var (dropped, kept) = (Int64.min, Int64.max)
        if isDropped(kept) { return kept }
        // Invariant: isDropped(dropped) and not isDropped(kept). The distance may exceed Int64.max.
        while UInt64(bitPattern: kept &- dropped) > 1 {
            let middle = dropped &+ Int64(bitPattern: UInt64(bitPattern: kept &- dropped) / 2)
            if isDropped(middle) { dropped = middle } else { kept = middle }
        }
        return dropped
    }

    private static func isDropped(_ t: Int64, expiredAt: Int64, ttl: Int64, bucketMs: Int64) -> Bool {
        let (bucketAfter, past) = t.floorDivided(by: bucketMs).addingReportingOverflow(1)
        let (next, overflow) = bucketAfter.multipliedReportingOverflow(by: bucketMs)
        return !past && !overflow && expired(next - 1, expiredAt, ttl: ttl)
    }

    private func expired(_ t: Int64, _ w: Int64) -> Bool { Self.expired(t, w, ttl: ttlMs) }

    private static func expired(_ t: Int64, _ w: Int64, ttl: Int64) -> Bool {
        let (limit, overflow) = t.addingReportingOverflow(ttl)
        return !overflow && w >= limit
    }

    /// Every remembered (fingerprint, first time), sorted by time then fingerprint, for checkpoints.
    public func entries() -> [(fingerprint: IDFingerprint, time: Int64)] {
        var all: [(fingerprint: IDFingerprint, time: Int64)] = []
        all.reserveCapacity(table.count)
        table.forEach { high, low, time in
            if !isDropped(time) { all.append((IDFingerprint(high: high, low: low), time)) }
        }
        return all.sorted { $0.time != $1.time ? $0.time < $1.time : $0.fingerprint < $1.fingerprint }
    }

    /// Remembers a restored id with its first time.
    public mutating func restore(id: String, time: Int64) {
        restore(IDFingerprint(id), time: time)
    }

    /// Remembers a restored fingerprint with its first time.
    public mutating func restore(_ fingerprint: IDFingerprint, time: Int64) {
        _ = checkAndInsert(fingerprint, at: EventTime(millis: time), watermark: .min)
    }
}
