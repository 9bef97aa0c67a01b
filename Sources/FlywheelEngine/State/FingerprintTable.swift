/// A hash table of 128-bit fingerprints with a time each, stored inline: 24 bytes a slot, no key
/// object, no per-entry allocation (the de-duplicator's remembered event ids).
///
/// Linear probing; entries leave only when `makeRoom` rebuilds the table without them (no tombstones). The
/// table is any size, not a power of two: a probe starts at `high * size >> 64`, so it grows in small
/// steps (it asks for an eighth more, which jemalloc rounds up to its next size class, a quarter more at
/// most) and memory follows the count closely: at most 4/5 full, at least 16/25 once grown. That home is
/// monotone in `high`: the entries of a probe run are nearly sorted by it, and growing walks both tables
/// front to back instead of writing to random slots.
///
/// Slot numbers stay valid until the next insertion.
public struct FingerprintTable: Sendable {
    struct Entry: Sendable {
        /// The fingerprint's first half with the low bit set; 0 marks an empty slot.
        var mark: UInt64
        var low: UInt64
        var time: Int64

        static var empty: Entry { Entry(mark: 0, low: 0, time: 0) }
    }

    private var slots: [Entry]
    public private(set) var count = 0

    public init(capacity: Int = 64) {
        slots = Self.emptySlots(Swift.max(16, capacity + capacity / 4 + 1))
    }

    /// At least `count` empty slots, and as many more as the allocation holds: allocators round large
    /// blocks up (jemalloc by up to a quarter), and the rounding serves as slots instead of being lost.
    private static func emptySlots(_ count: Int) -> [Entry] {
        var slots: [Entry] = []
        slots.reserveCapacity(count)
        slots.append(contentsOf: repeatElement(.empty, count: slots.capacity))
        return slots
    }

    /// Slots allocated (each 24 bytes).
    public var capacity: Int { slots.count }

    @inline(__always)
    private static func home(_ mark: UInt64, _ size: Int) -> Int {
        Int(truncatingIfNeeded: mark.multipliedFullWidth(by: UInt64(size)).high)
    }

    /// The slot holding the fingerprint (`high`, `low`), or, when it is absent, a new slot holding it
    /// with `time`: one probe either way. Returns the slot and whether it was inserted.
    @inline(__always)
    public mutating func findOrInsert(high: UInt64, low: UInt64, time: Int64) -> (slot: Int, inserted: Bool) {
        if (count + 1) * 5 > slots.count * 4 { grow() }
        let mark = high | 1
        let (slot, found) = slots.withUnsafeBufferPointer { slots in
            var slot = Self.home(mark, slots.count)
            while slots[slot].mark != 0 {
                if slots[slot].mark == mark && slots[slot].low == low { return (slot, true) }
                slot += 1
                if slot == slots.count { slot = 0 }
            }
            return (slot, false)
        }
        if found { return (slot, false) }
        slots[slot] = Entry(mark: mark, low: low, time: time)
        count += 1
        return (slot, true)
    }

    /// Reads the home slot of `high`, so that the caller can bring the slots of several keys into the
    /// cache at once (their loads overlap) before looking them up.
    @inline(__always)
    public func touch(high: UInt64) -> UInt64 {
        slots.withUnsafeBufferPointer { $0[Self.home(high | 1, $0.count)].mark }
    }

    /// The time in `slot` (from `findOrInsert`), read or changed in place.
    public subscript(slot: Int) -> Int64 {
        get { slots[slot].time }
        set { slots[slot].time = newValue }
    }

    /// Every (first half, second half, time), in no particular order. The first half has its low bit set.
    public func forEach(_ body: (UInt64, UInt64, Int64) throws -> Void) rethrows {
        for index in slots.indices where slots[index].mark != 0 {
            try body(slots[index].mark, slots[index].low, slots[index].time)
        }
    }

    /// Whether the next insert would make the table more than 4/5 full (it would grow first).
    public var isFull: Bool { (count + 1) * 5 > slots.count * 4 }

    private mutating func grow() { makeRoom(dropping: { _ in false }) }

    /// Drops every entry whose time `drop` accepts, then grows by an eighth at a time until at most 16/25 of
    /// the table is full (when dropping left that much room, it keeps its size): one pass reading the table
    /// front to back, one writing the new one front to back, so a table that outgrew the caches costs no
    /// random accesses. The next call comes after at least 4/25 of the table's slots more are taken: a de-dup
    /// whose ids expire as fast as new ones come pays about five slots read and written per id inserted.
    public mutating func makeRoom(dropping drop: (Int64) -> Bool) {
        let old = slots
        var kept = 0
        old.withUnsafeBufferPointer { old in
            for index in old.indices where old[index].mark != 0 && !drop(old[index].time) { kept += 1 }
        }
        var size = old.count
        while (kept + 1) * 25 > size * 16 { size += Swift.max(1, size / 8) }
        var slots = Self.emptySlots(size)
        // One mutable view for the whole pass: placing through `self.slots` checked the array's uniqueness
        // (a runtime call) for every entry, about four per id inserted.
        slots.withUnsafeMutableBufferPointer { slots in
            old.withUnsafeBufferPointer { old in
                // Entries that wrapped round the end of the old table sit at its front; take them last so
                // that the rest arrive in home order and fill the new table front to back.
                var start = 0
                while start < old.count && old[start].mark != 0 && Self.home(old[start].mark, old.count) > start {
                    start += 1
                }
                for index in start..<old.count where old[index].mark != 0 && !drop(old[index].time) {
                    Self.place(old[index], in: slots)
                }
                for index in 0..<start where !drop(old[index].time) { Self.place(old[index], in: slots) }
            }
        }
        self.slots = slots
        count = kept
    }

    @inline(__always)
    private static func place(_ entry: Entry, in slots: UnsafeMutableBufferPointer<Entry>) {
        var slot = home(entry.mark, slots.count)
        while slots[slot].mark != 0 {
            slot += 1
            if slot == slots.count { slot = 0 }
        }
        slots[slot] = entry
    }
}
