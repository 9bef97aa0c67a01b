/// A hash table from string keys (compared by exact code points) to values, for per-key operator
/// state on the hot path.
///
/// `Dictionary<ExactKey, Value>` hashes every key with SipHash and keeps keys and values in
/// separate arrays, so one lookup in a table larger than the CPU caches costs three cache misses
/// (metadata, key, value). Here the caller passes the key's 64-bit `StableHash` (often known
/// already), and hash, key and value sit together in one slot found by linear probing: one miss.
/// Equal hashes with different keys are simply probed past, so a collision never merges two keys.
/// Deletion shifts later entries back (no tombstones).
///
/// Slot numbers returned by `find` and `insert` stay valid until the next `insert` or `remove`.
///
/// Used for the de-duplicator's ids (measured: about four times faster than
/// `Dictionary<String, Int64>` for short ids) and the operators' per-conversation state.
public struct StringKeyedTable<Value> {
    struct Entry {
        /// The key's hash with the low bit set; 0 marks an empty slot.
        var mark: UInt64
        var key: String
        var value: Value?

        static var empty: Entry { Entry(mark: 0, key: "", value: nil) }
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

    /// The slot holding `key`, whose `StableHash.hash` is `hash`.
    public func find(_ key: String, hash: UInt64) -> Int? {
        let mark = hash | 1
        return slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: mark) & mask
            while slots[slot].mark != 0 {
                if slots[slot].mark == mark && slots[slot].key.isExactly(key) { return slot }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    /// Reads the home slot of `hash` and returns what it holds, so that the caller can bring the
    /// slots of several keys into the cache at once (their loads overlap) before looking them up.
    @inline(__always)
    public func touch(hash: UInt64) -> UInt64 {
        slots.withUnsafeBufferPointer { $0[Int(truncatingIfNeeded: hash | 1) & mask].mark }
    }

    /// Adds `key` (which must not be present) with `value`; returns its slot.
    @discardableResult
    public mutating func insert(_ key: String, hash: UInt64, value: Value) -> Int {
        if (count + 1) * 10 > slots.count * 7 { grow() }
        let mark = hash | 1
        var slot = Int(truncatingIfNeeded: mark) & mask
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
                let home = Int(truncatingIfNeeded: slots[next].mark) & mask
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

    /// Removes the first entry whose key has `hash` and whose value satisfies `condition`, if any.
    ///
    /// For callers that keep hashes rather than keys (the de-duplicator's expiry lists): when two
    /// keys share a hash, the condition on each one's own value decides which may go.
    public mutating func removeFirst(hash: UInt64, where condition: (Value) -> Bool) {
        let mark = hash | 1
        var slot = Int(truncatingIfNeeded: mark) & mask
        while slots[slot].mark != 0 {
            if slots[slot].mark == mark && condition(slots[slot].value!) {
                remove(at: slot)
                return
            }
            slot = (slot + 1) & mask
        }
    }

    /// Every (key, value), in no particular order.
    public func forEach(_ body: (String, Value) throws -> Void) rethrows {
        for index in slots.indices where slots[index].mark != 0 { try body(slots[index].key, slots[index].value!) }
    }

    private mutating func grow() {
        var old = Array(repeating: Entry.empty, count: slots.count * 2)
        swap(&old, &slots)
        mask = slots.count - 1
        for index in old.indices where old[index].mark != 0 {
            var slot = Int(truncatingIfNeeded: old[index].mark) & mask
            while slots[slot].mark != 0 { slot = (slot + 1) & mask }
            swap(&slots[slot], &old[index])
        }
    }
}

extension StringKeyedTable: Sendable where Value: Sendable {}
extension StringKeyedTable.Entry: Sendable where Value: Sendable {}
