/// An open-addressing hash table from string ids to event times, for the de-duplicator's hot path.
///
/// Keys are found by a 64-bit stable hash of their UTF-8 bytes with linear probing; the full id is
/// compared only when the hashes match, so a hash collision never merges two ids (the second id
/// goes to a small overflow dictionary). Deletion shifts entries back (no tombstones). Measured:
/// about four times faster than `Dictionary<String, Int64>` for short ids, whose SipHash dominates.
///
/// Hash, time and id of a slot sit side by side in one 32-byte entry: the table outgrows the CPU
/// caches (an hour of ids), and a lookup then costs one cache miss instead of one per array.
struct IdTable: Sendable {
    private struct Entry {
        /// 0 marks an empty slot.
        var hash: UInt64
        var time: Int64
        var id: String

        static let empty = Entry(hash: 0, time: 0, id: "")
    }

    private var entries: [Entry]
    private var mask: Int
    private var overflow: [ExactKey: Int64] = [:]
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        entries = Array(repeating: .empty, count: size)
        mask = size - 1
    }

    /// The hash used for `id`; never 0 (0 marks an empty slot).
    @inline(__always)
    static func hash(_ id: String) -> UInt64 { StableHash.hash(id) | 1 }

    /// The time stored for `id`, if any.
    func time(of id: String, hash: UInt64) -> Int64? {
        // Overflow holds ids whose hash collided with another id's; it is almost always empty.
        if !overflow.isEmpty, let t = overflow[ExactKey(id)] { return t }
        return entries.withUnsafeBufferPointer { entries in
            var slot = Int(truncatingIfNeeded: hash) & mask
            while entries[slot].hash != 0 {
                if entries[slot].hash == hash {
                    return entries[slot].id.isExactly(id) ? entries[slot].time : nil
                }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    /// Reads the home slot of `hash` and returns what it holds, so that the caller can bring the
    /// slots of several ids into the cache at once (their loads overlap) before looking them up.
    @inline(__always)
    func touch(hash: UInt64) -> UInt64 {
        entries.withUnsafeBufferPointer { $0[Int(truncatingIfNeeded: hash) & mask].hash }
    }

    /// Stores `time` for `id`, replacing any earlier value.
    mutating func set(_ id: String, hash: UInt64, time: Int64) {
        if !overflow.isEmpty, overflow[ExactKey(id)] != nil {
            overflow[ExactKey(id)] = time
            return
        }
        if (count + 1) * 10 > entries.count * 7 { grow() }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while entries[slot].hash != 0 {
            if entries[slot].hash == hash {
                if entries[slot].id.isExactly(id) {
                    entries[slot].time = time
                } else {
                    if overflow.updateValue(time, forKey: ExactKey(id)) == nil { count += 1 }
                }
                return
            }
            slot = (slot + 1) & mask
        }
        entries[slot] = Entry(hash: hash, time: time, id: id)
        count += 1
    }

    /// Removes the entry stored under `hash` when its own time satisfies `isExpired`, and every
    /// overflow entry that does.
    ///
    /// Removing by hash alone is safe: an entry is removed only when its own time has expired, so
    /// when two ids share a hash (the second one in the overflow) neither is forgotten early.
    mutating func removeEntry(hash: UInt64, if isExpired: (Int64) -> Bool) {
        if !overflow.isEmpty {
            for (key, time) in overflow where isExpired(time) {
                overflow[key] = nil
                count -= 1
            }
        }
        var slot = Int(truncatingIfNeeded: hash) & mask
        while entries[slot].hash != 0 {
            if entries[slot].hash == hash {
                if isExpired(entries[slot].time) { removeSlot(slot) }
                return
            }
            slot = (slot + 1) & mask
        }
    }

    /// Every (id, time) entry, in no particular order.
    func forEach(_ body: (String, Int64) -> Void) {
        for entry in entries where entry.hash != 0 { body(entry.id, entry.time) }
        for (key, time) in overflow { body(key.value, time) }
    }

    /// Backward-shift deletion: later entries of the probe run move into the hole.
    private mutating func removeSlot(_ removed: Int) {
        count -= 1
        var hole = removed
        var next = (hole + 1) & mask
        while entries[next].hash != 0 {
            let home = Int(truncatingIfNeeded: entries[next].hash) & mask
            // The entry at `next` may move into `hole` when its home is not strictly inside (hole, next].
            let distanceToHole = (hole - home) & mask
            let distanceToNext = (next - home) & mask
            if distanceToHole < distanceToNext {
                entries.swapAt(hole, next)
                hole = next
            }
            next = (next + 1) & mask
        }
        entries[hole] = .empty
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: .empty, count: old.count * 2)
        mask = entries.count - 1
        count = overflow.count
        for entry in old where entry.hash != 0 {
            var slot = Int(truncatingIfNeeded: entry.hash) & mask
            while entries[slot].hash != 0 { slot = (slot + 1) & mask }
            entries[slot] = entry
            count += 1
        }
    }
}
