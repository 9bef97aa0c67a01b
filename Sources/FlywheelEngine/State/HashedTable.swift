/// A hash table for per-key state on the hot path: the de-duplicator's ids, and the pair and
/// session state of conversations.
///
/// `Dictionary` hashes every key with SipHash and keeps keys and values in separate arrays, so one
/// lookup in a table larger than the CPU caches costs three cache misses (metadata, key, value).
/// Here the caller passes the key's 64-bit `StableHash` (often known already), and hash, key and
/// value sit together in one slot found by linear probing: one miss. Keys with equal hashes are
/// probed past, so a collision never merges two keys; use a key type whose `==` is exact
/// (`ExactKey` for strings). Deletion shifts later entries back (no tombstones).
///
/// Slot numbers returned by `find` and `insert` stay valid until the next `insert` or `remove`.
public struct HashedTable<Key: Equatable, Value> {
    struct Entry {
        /// The key's hash with the low bit set; 0 marks an empty slot.
        var mark: UInt64
        var key: Key?
        var value: Value?

        static var empty: Entry { Entry(mark: 0, key: nil, value: nil) }
    }

    // Fields are always read in place (`slots[i].mark`): binding a whole entry would copy its value,
    // a retain per array it holds.
    private var slots: [Entry]
    private var mask: Int
    public private(set) var count = 0

    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: .empty, count: size)
        mask = size - 1
    }

    public var isEmpty: Bool { count == 0 }

    /// The slot where a probe for `mark` starts, taken from the hash's high half: shards own keys by
    /// their hash's low bits (`KeyGroups`), so in one shard's table those bits are nearly all alike,
    /// and homes taken from them would crowd into a fraction of the slots.
    @inline(__always)
    private static func home(_ mark: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: mark >> 32) & mask }

    // The two `find`s spell out the same probe loop: sharing it through a closure that takes the
    // entry made the compiler copy the whole entry (a retain and release per array the value holds)
    // for every probe whose hash matched.

    /// The slot holding `key`, whose `StableHash` is `hash`.
    public func find(_ key: Key, hash: UInt64) -> Int? {
        let mark = hash | 1
        return slots.withUnsafeBufferPointer { slots in
            var slot = Self.home(mark, mask)
            while slots[slot].mark != 0 {
                if slots[slot].mark == mark && slots[slot].key! == key { return slot }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    /// The first slot whose key has `hash` and whose value satisfies `condition`: for callers that
    /// keep hashes rather than keys (the de-duplicator's expiry lists, session timers).
    public func find(hash: UInt64, where condition: (borrowing Value) -> Bool) -> Int? {
        let mark = hash | 1
        return slots.withUnsafeBufferPointer { slots in
            var slot = Self.home(mark, mask)
            while slots[slot].mark != 0 {
                if slots[slot].mark == mark && condition(slots[slot].value!) { return slot }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    /// Reads the home slot of `hash` and returns what it holds, so that the caller can bring the
    /// slots of several keys into the cache at once (their loads overlap) before looking them up.
    @inline(__always)
    public func touch(hash: UInt64) -> UInt64 {
        slots.withUnsafeBufferPointer { $0[Self.home(hash | 1, mask)].mark }
    }

    /// The slot holding `key`, or, when it is absent, a new slot holding it with `make()`: one probe
    /// either way. Returns the slot and whether the key was inserted.
    public mutating func findOrInsert(
        _ key: Key, hash: UInt64, _ make: () -> Value
    ) -> (slot: Int, inserted: Bool) {
        if (count + 1) * 10 > slots.count * 7 { grow() }
        let mark = hash | 1
        let (slot, found) = slots.withUnsafeBufferPointer { slots in
            var slot = Self.home(mark, mask)
            while slots[slot].mark != 0 {
                if slots[slot].mark == mark && slots[slot].key! == key { return (slot, true) }
                slot = (slot + 1) & mask
            }
            return (slot, false)
        }
        if found { return (slot, false) }
        slots[slot] = Entry(mark: mark, key: key, value: make())
        count += 1
        return (slot, true)
    }

    /// Adds `key` (which must not be present) with `value`; returns its slot.
    @discardableResult
    public mutating func insert(_ key: Key, hash: UInt64, value: Value) -> Int {
        if (count + 1) * 10 > slots.count * 7 { grow() }
        let mark = hash | 1
        var slot = Self.home(mark, mask)
        while slots[slot].mark != 0 { slot = (slot + 1) & mask }
        slots[slot] = Entry(mark: mark, key: key, value: value)
        count += 1
        return slot
    }

    /// The value in `slot` (from `find` or `insert`), read or changed in place.
    public subscript(slot: Int) -> Value {
        get { slots[slot].value! }
        _modify { yield &slots[slot].value! }
    }

    /// The key in `slot`.
    public func key(at slot: Int) -> Key { slots[slot].key! }

    /// Removes the entry in `slot`; later entries of its probe run move back into the hole.
    public mutating func remove(at removed: Int) {
        precondition(slots[removed].mark != 0, "removing an empty slot")
        count -= 1
        let mask = mask
        // Through the buffer, entries are swapped by moving them; `Array.swapAt` would copy them.
        slots.withUnsafeMutableBufferPointer { slots in
            var hole = removed
            var next = (hole + 1) & mask
            while slots[next].mark != 0 {
                let home = Self.home(slots[next].mark, mask)
                // The entry at `next` may move into `hole` when its home is not strictly inside (hole, next].
                if (hole - home) & mask < (next - home) & mask {
                    slots.swapAt(hole, next)
                    hole = next
                }
                next = (next + 1) & mask
            }
            slots[hole] = .empty
        }
    }

    /// The occupied slots, grouped: `groups[g]` lists in slot order those whose key `group` puts in `g`
    /// (`0..<count`). With `withEntry(at:)`, a checkpoint encodes entries group by group without copying
    /// any (a copy retains every string and array an entry holds, then releases them).
    public func slotsByGroup(count: Int, _ group: (borrowing Key) -> Int) -> [[Int32]] {
        var groups = Array(repeating: [Int32](), count: count)
        slots.withUnsafeBufferPointer { slots in
            for index in slots.indices where slots[index].mark != 0 {
                groups[group(slots[index].key!)].append(Int32(truncatingIfNeeded: index))
            }
        }
        return groups
    }

    /// `body` with the key and value in occupied `slot`, borrowed in place (not copied).
    public func withEntry<R>(at slot: Int, _ body: (borrowing Key, borrowing Value) throws -> R) rethrows -> R {
        try slots.withUnsafeBufferPointer { slots in try body(slots[slot].key!, slots[slot].value!) }
    }

    /// Every (key, value), in no particular order.
    public func forEach(_ body: (Key, Value) throws -> Void) rethrows {
        for index in slots.indices where slots[index].mark != 0 { try body(slots[index].key!, slots[index].value!) }
    }

    private mutating func grow() {
        var old = Array(repeating: Entry.empty, count: slots.count * 2)
        swap(&old, &slots)
        mask = slots.count - 1
        for index in old.indices where old[index].mark != 0 {
            var slot = Self.home(old[index].mark, mask)
            while slots[slot].mark != 0 { slot = (slot + 1) & mask }
            swap(&slots[slot], &old[index])
        }
    }
}

extension HashedTable: Sendable where Key: Sendable, Value: Sendable {}
extension HashedTable.Entry: Sendable where Key: Sendable, Value: Sendable {}
