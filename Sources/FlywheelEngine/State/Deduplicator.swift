import Collections

/// Remembers ids for a time-to-live in event time, to drop repeated copies of an event.
///
/// An id seen at event time t is forgotten exactly when the watermark W satisfies
/// `W >= t + ttl`; a copy arriving after that is new again. Only the first copy's time counts.
/// Memory is reclaimed in buckets of `ttl / 8` as the watermark passes them.
public struct Deduplicator: Sendable {
    public let ttlMs: Int64
    private let bucketMs: Int64
    /// Each remembered id with the time it was first seen.
    private var table = HashedTable<ExactKey, Int64>(capacity: 1024)
    /// The hashes of the ids first seen in each bucket of `ttl / 8` (hashes, not ids: expiring
    /// then needs neither the strings nor hashing them again).
    private var buckets: [Int64: [UInt64]] = [:]
    private var bucketOrder = Heap<Int64>()
    /// The bucket the last id went to, and where `buckets` holds it: most ids go to the same
    /// bucket as the one before, which then needs no hashing. Cleared when a bucket is added or removed.
    private var lastBucket: (bucket: Int64, index: Dictionary<Int64, [UInt64]>.Index)?

    public init(ttlMs: Int64) {
        self.ttlMs = ttlMs
        self.bucketMs = Swift.max(1, ttlMs / 8)
    }

    /// Ids currently remembered.
    public var count: Int { table.count }

    /// Returns true when `id` was seen and not yet forgotten at watermark `watermark`; otherwise
    /// remembers it with time `t` and returns false. `hash` is `StableHash.hash(id)`, computed
    /// when not given.
    public mutating func checkAndInsert(
        _ id: String, hash: UInt64? = nil, at t: EventTime, watermark: EventTime
    ) -> Bool {
        let hash = hash ?? StableHash.hash(id)
        let (slot, inserted) = table.findOrInsert(ExactKey(id), hash: hash) { t.millis }
        if !inserted {
            if !expired(table[slot], watermark.millis) { return true }
            table[slot] = t.millis
        }
        let bucket = t.millis.floorDivided(by: bucketMs)
        if let last = lastBucket, last.bucket == bucket {
            buckets.values[last.index].append(hash)
        } else if let index = buckets.index(forKey: bucket) {
            buckets.values[index].append(hash)
            lastBucket = (bucket, index)
        } else {
            bucketOrder.insert(bucket)
            buckets[bucket] = [hash]
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
    public func touch(hash: UInt64) -> UInt64 { table.touch(hash: hash) }

    /// Forgets ids whose time-to-live has passed at `watermark`.
    public mutating func expire(watermark: EventTime) {
        let w = watermark.millis
        while let bucket = bucketOrder.min {
            let bucketLast = (bucket + 1) * bucketMs - 1
            guard expired(bucketLast, w) else { return }
            _ = bucketOrder.removeMin()
            lastBucket = nil
            let ttl = ttlMs
            let hashes = buckets.removeValue(forKey: bucket) ?? []
            var touched: UInt64 = 0
            for start in stride(from: 0, to: hashes.count, by: Self.touchRun) {
                let run = start..<Swift.min(start + Self.touchRun, hashes.count)
                // Load the run's slots together so that their cache misses overlap.
                for index in run { touched ^= table.touch(hash: hashes[index]) }
                for index in run {
                    // Of the ids with this hash, one whose own time has expired: colliding ids stay exact.
                    if let slot = table.find(hash: hashes[index], where: { Self.expired($0, w, ttl: ttl) }) {
                        table.remove(at: slot)
                    }
                }
            }
            touchedSink ^= touched
        }
    }

    /// How many slots `expire` loads ahead, and where the loaded values go so the loads stay.
    private static let touchRun = 32
    private var touchedSink: UInt64 = 0

    private func expired(_ t: Int64, _ w: Int64) -> Bool { Self.expired(t, w, ttl: ttlMs) }

    private static func expired(_ t: Int64, _ w: Int64, ttl: Int64) -> Bool {
        let (limit, overflow) = t.addingReportingOverflow(ttl)
        return !overflow && w >= limit
    }

    /// Every remembered (id, first time), sorted by time then id, for checkpoints.
    public func entries() -> [(id: String, time: Int64)] {
        var all: [(id: String, time: Int64)] = []
        all.reserveCapacity(table.count)
        table.forEach { all.append(($0.value, $1)) }
        return all.sorted { $0.time != $1.time ? $0.time < $1.time : utf8Precedes($0.id, $1.id) }
    }

    /// Remembers a restored id with its first time.
    public mutating func restore(id: String, time: Int64) {
        _ = checkAndInsert(id, at: EventTime(millis: time), watermark: .min)
    }
}

extension Deduplicator: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(ttlMs)
        writer.write(entries()) { writer, entry in
            writer.write(entry.id)
            writer.write(entry.time)
        }
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        self.init(ttlMs: try reader.readInt64())
        let count = try reader.readCount()
        for _ in 0..<count { restore(id: try reader.readString(), time: try reader.readInt64()) }
    }
}
