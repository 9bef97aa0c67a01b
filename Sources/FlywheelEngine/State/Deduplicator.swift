import Collections

/// Remembers ids for a time-to-live in event time, to drop repeated copies of an event.
///
/// An id seen at event time t is forgotten exactly when the watermark W satisfies
/// `W >= t + ttl`; a copy arriving after that is new again. Only the first copy's time counts.
/// Memory is reclaimed in buckets of `ttl / 8` as the watermark passes them.
///
/// Ids are remembered by their 128-bit `IDFingerprint`, not their text: 24 bytes in a table slot
/// plus 8 in a bucket's list, 42-45 bytes an id in all as measured (README, Performance and Decisions).
public struct Deduplicator: Sendable {
    public let ttlMs: Int64
    private let bucketMs: Int64
    /// Each remembered id's fingerprint with the time it was first seen.
    private var table: FingerprintTable
    /// The first halves of the fingerprints first seen in each bucket of `ttl / 8`: expiring then
    /// needs no hashing.
    private var buckets: [Int64: HashChunks] = [:]
    private var bucketOrder = Heap<Int64>()
    /// The bucket the last id went to, and where `buckets` holds it: most ids go to the same
    /// bucket as the one before, which then needs no hashing. Cleared when a bucket is added or removed.
    private var lastBucket: (bucket: Int64, index: Dictionary<Int64, HashChunks>.Index)?

    public init(ttlMs: Int64) { self.init(ttlMs: ttlMs, capacity: 1024) }

    init(ttlMs: Int64, capacity: Int) {
        self.ttlMs = ttlMs
        self.bucketMs = Swift.max(1, ttlMs / 8)
        table = FingerprintTable(capacity: capacity)
    }

    /// Ids currently remembered.
    public var count: Int { table.count }

    /// Bytes held for the remembered ids: the table's slots and the buckets' lists, as allocated.
    public var allocatedBytes: Int {
        table.capacity * MemoryLayout<FingerprintTable.Entry>.stride
            + buckets.values.reduce(0) { $0 + $1.allocatedBytes }
    }

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
        let (slot, inserted) = table.findOrInsert(high: fingerprint.high, low: fingerprint.low, time: t.millis)
        if !inserted {
            if !expired(table[slot], watermark.millis) { return true }
            table[slot] = t.millis
        }
        let bucket = t.millis.floorDivided(by: bucketMs)
        if let last = lastBucket, last.bucket == bucket {
            buckets.values[last.index].append(fingerprint.high)
        } else if let index = buckets.index(forKey: bucket) {
            buckets.values[index].append(fingerprint.high)
            lastBucket = (bucket, index)
        } else {
            bucketOrder.insert(bucket)
            var list = HashChunks()
            list.append(fingerprint.high)
            buckets[bucket] = list
            lastBucket = (bucket, buckets.index(forKey: bucket)!)
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

    /// Forgets ids whose time-to-live has passed at `watermark`.
    public mutating func expire(watermark: EventTime) {
        let w = watermark.millis
        while let bucket = bucketOrder.min {
            let bucketLast = (bucket + 1) * bucketMs - 1
            guard expired(bucketLast, w) else { return }
            _ = bucketOrder.removeMin()
            lastBucket = nil
            let list = buckets.removeValue(forKey: bucket) ?? HashChunks()
            for chunk in list.chunks { forget(chunk, watermark: w) }
        }
    }

    /// Removes, for each first half in `highs`, an entry with it whose own time has expired: ids
    /// first seen again after their expiry keep their newer time, and ids sharing a first half stay apart.
    private mutating func forget(_ highs: [UInt64], watermark w: Int64) {
        let ttl = ttlMs
        var touched: UInt64 = 0
        for start in stride(from: 0, to: highs.count, by: Self.touchRun) {
            let run = start..<Swift.min(start + Self.touchRun, highs.count)
            // Load the run's slots together so that their cache misses overlap.
            for index in run { touched ^= table.touch(high: highs[index]) }
            for index in run {
                if let slot = table.find(high: highs[index], where: { Self.expired($0, w, ttl: ttl) }) {
                    table.remove(at: slot)
                }
            }
        }
        touchedSink ^= touched
    }

    /// How many slots `expire` loads ahead, and where the loaded values go so the loads stay.
    private static let touchRun = 32
    private var touchedSink: UInt64 = 0

    private func expired(_ t: Int64, _ w: Int64) -> Bool { Self.expired(t, w, ttl: ttlMs) }

    private static func expired(_ t: Int64, _ w: Int64, ttl: Int64) -> Bool {
        let (limit, overflow) = t.addingReportingOverflow(ttl)
        return !overflow && w >= limit
    }

    /// Every remembered (fingerprint, first time), sorted by time then fingerprint, for checkpoints.
    public func entries() -> [(fingerprint: IDFingerprint, time: Int64)] {
        var all: [(fingerprint: IDFingerprint, time: Int64)] = []
        all.reserveCapacity(table.count)
        table.forEach { high, low, time in all.append((IDFingerprint(high: high, low: low), time)) }
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
