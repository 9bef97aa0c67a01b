/// An open-addressing index from 64-bit key hashes to positions in the caller's dense array of keys.
///
/// It stores only (hash, position) pairs, with linear probing; the caller says whether the key at a
/// position whose hash matches is the one it looks for, so two keys with the same hash are simply two
/// entries. Deletion shifts later entries back (no tombstones). Used instead of a `Dictionary` on hot
/// paths: one cheap hash per look-up, and keys are compared only when their hashes match.
struct HashIndex: Sendable {
    /// A stored hash (0 when the slot is empty) and the position it points at, side by side so a
    /// probe reads one cache line.
    private struct Slot {
        var hash: UInt64
        var position: Int
    }

    private var slots = Array(repeating: Slot(hash: 0, position: 0), count: 16)
    private var mask = 15
    private(set) var count = 0

    init() {}

    /// The stored form of `hash`; never 0, which marks an empty slot.
    @inline(__always)
    private static func stored(_ hash: UInt64) -> UInt64 { hash | 1 }

    /// The position of the first entry with `hash` for which `matches` holds, if any.
    @inline(__always)
    func find(_ hash: UInt64, where matches: (Int) -> Bool) -> Int? {
        let wanted = Self.stored(hash)
        var slot = Int(truncatingIfNeeded: wanted) & mask
        while slots[slot].hash != 0 {
            if slots[slot].hash == wanted && matches(slots[slot].position) { return slots[slot].position }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds an entry; the caller makes sure its key is not in the index yet.
    mutating func insert(_ hash: UInt64, position: Int) {
        if (count + 1) * 10 > slots.count * 7 { grow() }
        place(Self.stored(hash), position: position)
        count += 1
    }

    /// Removes the entry for `position`, whose key has `hash`.
    mutating func remove(_ hash: UInt64, position: Int) {
        removeSlot(slot(of: Self.stored(hash), position: position))
    }

    /// Points the entry for `position` (whose key has `hash`) at `newPosition` instead.
    mutating func move(_ hash: UInt64, from position: Int, to newPosition: Int) {
        slots[slot(of: Self.stored(hash), position: position)].position = newPosition
    }

    /// The slot of the entry (stored hash, position), which must be present.
    private func slot(of stored: UInt64, position: Int) -> Int {
        var slot = Int(truncatingIfNeeded: stored) & mask
        while slots[slot].hash != stored || slots[slot].position != position {
            precondition(slots[slot].hash != 0, "HashIndex entry missing")
            slot = (slot + 1) & mask
        }
        return slot
    }

    private mutating func place(_ stored: UInt64, position: Int) {
        var slot = Int(truncatingIfNeeded: stored) & mask
        while slots[slot].hash != 0 { slot = (slot + 1) & mask }
        slots[slot] = Slot(hash: stored, position: position)
    }

    /// Backward-shift deletion: later entries of the probe run move into the hole.
    private mutating func removeSlot(_ removed: Int) {
        count -= 1
        var hole = removed
        var next = (hole + 1) & mask
        while slots[next].hash != 0 {
            let home = Int(truncatingIfNeeded: slots[next].hash) & mask
            // The entry at `next` may move into `hole` when its home is not strictly inside (hole, next].
            if (hole - home) & mask < (next - home) & mask {
                slots[hole] = slots[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        slots[hole].hash = 0
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(hash: 0, position: 0), count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot.hash != 0 { place(slot.hash, position: slot.position) }
    }
}
