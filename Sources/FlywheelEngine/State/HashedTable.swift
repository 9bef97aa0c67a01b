/// A hash table for per-key state on the hot path: the pair and session state of conversations, and
/// the keys of a model-quality window.
///
/// `Dictionary` hashes every key with SipHash and, like any open-addressing table of whole entries,
/// reserves room for 1.4 to 2.9 entries per entry it holds (its load factor). Per-key state is what a
/// live service pays for each open conversation, so here the entries sit densely, in pages, with no
/// room left free but the end of the last page; an index of 8-byte words, open addressing with linear
/// probing, finds them. A word holds the high half of the key's 64-bit `StableHash` (passed by the
/// caller, often known already) and the entry's position: a probe compares words in one array and
/// reads an entry only when the hash halves match. Keys with equal hashes are probed past, so a
/// collision never merges two keys; use a key type whose `==` is exact (`ExactKey` for strings).
///
/// An entry is named by its position (`0..<count`): positions stay valid until the next `remove`, which
/// moves the last entry into the hole (insertions append, moving nothing).
public struct HashedTable<Key: Equatable, Value> {
    struct Entry {
        var hash: UInt64
        var key: Key
        var value: Value
    }

    /// Index words: 0 marks a free place; otherwise the hash's high half above the entry's position + 1.
    private var index: [UInt64]
    private var mask: Int
    /// Entry `position` is `pages[position / perPage][position % perPage]`. Full pages hold `perPage`
    /// entries; the first grows as arrays do, so a small table stays small.
    // Fields are always read in place (`pages[p][o].key`): binding a whole entry would copy its value,
    // a retain per array it holds.
    private var pages: [[Entry]] = []
    public private(set) var count = 0

    /// Entries per page: as many as fit, with the array's 32-byte header, in 64 KiB, one of the allocator's
    /// size classes (a page of 512 session entries was 114,720 bytes, which jemalloc rounds up to 128 KiB:
    /// 32 bytes lost per entry). The division by it is by a constant in specialized code.
    static var perPage: Int { Swift.max(1, (65_536 - 32) / MemoryLayout<Entry>.stride) }

    /// Room for `capacity` entries (up to a page) is made at once, so that a small table does not grow 1,
    /// 2, 4, ... entries at a time (a window's model-quality keys).
    public init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        index = Array(repeating: 0, count: size)
        mask = size - 1
        if capacity > 0 {
            var first: [Entry] = []
            first.reserveCapacity(Swift.min(capacity, Self.perPage))
            pages = [first]
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// Where a probe for `hash` starts, taken from its high half: shards own keys by their hash's low
    /// bits (`KeyGroups`), so in one shard's table those bits are nearly all alike, and homes taken
    /// from them would crowd into a fraction of the places.
    @inline(__always)
    private static func home(tag: UInt64, _ mask: Int) -> Int { Int(truncatingIfNeeded: tag) & mask }

    @inline(__always)
    private static func tag(_ hash: UInt64) -> UInt64 { hash >> 32 }

    @inline(__always)
    private static func position(_ word: UInt64) -> Int { Int(truncatingIfNeeded: word & 0xFFFF_FFFF) - 1 }

    /// The next entry of `hash`'s probe run whose word holds the hash's high half, from index place
    /// `place` on (left just past it), or nil at the free place that ends the run. The finds compare
    /// the entry themselves: a probe loop that took a closure copied the entry, or retained a captured
    /// key, around every comparison.
    @inline(__always)
    private func nextCandidate(_ hash: UInt64, from place: inout Int) -> Int? {
        let tag = Self.tag(hash)
        return index.withUnsafeBufferPointer { index in
            while index[place] != 0 {
                let word = index[place]
                place = (place + 1) & mask
                if word >> 32 == tag { return Self.position(word) }
            }
            return nil
        }
    }

    /// The position of `key`, whose `StableHash` is `hash`.
    public func find(_ key: Key, hash: UInt64) -> Int? {
        find(hash: hash, matching: { $0 == key })
    }

    /// The position of the key with `hash` that `matches` accepts: for callers that hold a key's bytes, not
    /// a key (an event's id), and make a key only to insert one (`findOrInsert(hash:matching:makeKey:_:)`).
    @inline(__always)
    public func find(hash: UInt64, matching matches: (borrowing Key) -> Bool) -> Int? {
        var place = Self.home(tag: Self.tag(hash), mask)
        while let position = nextCandidate(hash, from: &place) {
            let (page, offset) = position.quotientAndRemainder(dividingBy: Self.perPage)
            if pages[page][offset].hash == hash && matches(pages[page][offset].key) { return position }
        }
        return nil
    }

    /// `findOrInsert(_:hash:_:)` for a caller that holds the key's bytes: `matches` tells the key, and
    /// `makeKey` makes it, only when it is absent.
    @inline(__always)
    public mutating func findOrInsert(
        hash: UInt64, matching matches: (borrowing Key) -> Bool, makeKey: () -> Key, _ make: () -> Value
    ) -> (slot: Int, inserted: Bool) {
        if let found = find(hash: hash, matching: matches) { return (found, false) }
        return (insert(makeKey(), hash: hash, value: make()), true)
    }

    /// The first position whose key has `hash` and whose value satisfies `condition`: for callers that
    /// keep hashes rather than keys (session timers).
    public func find(hash: UInt64, where condition: (borrowing Value) -> Bool) -> Int? {
        var place = Self.home(tag: Self.tag(hash), mask)
        while let position = nextCandidate(hash, from: &place) {
            let (page, offset) = position.quotientAndRemainder(dividingBy: Self.perPage)
            if pages[page][offset].hash == hash && condition(pages[page][offset].value) { return position }
        }
        return nil
    }

    /// Reads the index word where a probe for `hash` starts and returns it, so that the caller can bring
    /// the index places of several keys into the cache at once (their loads overlap) before looking
    /// them up.
    @inline(__always)
    public func touch(hash: UInt64) -> UInt64 {
        index.withUnsafeBufferPointer { $0[Self.home(tag: Self.tag(hash), mask)] }
    }

    /// The position of `key`, or, when it is absent, a new entry holding it with `make()`. Returns the
    /// position and whether the key was inserted. (An insertion probes twice: once per new key.)
    public mutating func findOrInsert(
        _ key: Key, hash: UInt64, _ make: () -> Value
    ) -> (slot: Int, inserted: Bool) {
        findOrInsert(hash: hash, matching: { $0 == key }, makeKey: { key }, make)
    }

    /// Adds `key` (which must not be present) with `value`; returns its position.
    @discardableResult
    public mutating func insert(_ key: Key, hash: UInt64, value: Value) -> Int {
        if (count + 1) * 10 > index.count * 7 { grow() }
        var place = Self.home(tag: Self.tag(hash), mask)
        while index[place] != 0 { place = (place + 1) & mask }
        return append(Entry(hash: hash, key: key, value: value), at: place)
    }

    /// Appends `entry` and points the free index `place` at it.
    private mutating func append(_ entry: consuming Entry, at place: Int) -> Int {
        let position = count
        index[place] = Self.tag(entry.hash) << 32 | UInt64(position + 1)
        let (page, offset) = position.quotientAndRemainder(dividingBy: Self.perPage)
        if offset == 0 && page == pages.count {
            // A page after the first is made whole: the table holds a page of entries already.
            var new: [Entry] = []
            if !pages.isEmpty { new.reserveCapacity(Self.perPage) }
            pages.append(new)
        }
        pages[page].append(entry)
        count += 1
        return position
    }

    /// The value at `position` (from `find` or `insert`), read or changed in place.
    public subscript(position: Int) -> Value {
        get { pages[position / Self.perPage][position % Self.perPage].value }
        _modify { yield &pages[position / Self.perPage][position % Self.perPage].value }
    }

    /// Calls `body` with the value at `position`, changed in place: for a caller that reaches the table
    /// through another accessor (a dictionary's values), where the chain of `_modify` accessors of the
    /// subscript costs more than one call with an `inout` value.
    @inline(__always)
    public mutating func update<R>(at position: Int, _ body: (inout Value) -> R) -> R {
        body(&pages[position / Self.perPage][position % Self.perPage].value)
    }

    /// Pages allocated (tests).
    var pageCount: Int { pages.count }

    /// The `StableHash` of the key at `position`.
    public func hash(at position: Int) -> UInt64 { pages[position / Self.perPage][position % Self.perPage].hash }

    /// The key at `position`.
    public func key(at position: Int) -> Key { pages[position / Self.perPage][position % Self.perPage].key }

    /// The index place that points at `position`.
    private func place(of position: Int) -> Int {
        let hash = pages[position / Self.perPage][position % Self.perPage].hash
        let word = Self.tag(hash) << 32 | UInt64(position + 1)
        var place = Self.home(tag: Self.tag(hash), mask)
        while index[place] != word {
            precondition(index[place] != 0, "HashedTable: an entry is missing from the index")
            place = (place + 1) & mask
        }
        return place
    }

    /// Removes the entry at `position`; the last entry moves into its place.
    public mutating func remove(at position: Int) {
        precondition(position >= 0 && position < count, "removing a position that holds no entry")
        removeFromIndex(place(of: position))
        let last = count - 1
        let lastPage = last / Self.perPage
        if position != last {
            let moved = place(of: last)
            index[moved] = index[moved] & ~0xFFFF_FFFF | UInt64(position + 1)
            pages[position / Self.perPage][position % Self.perPage] = pages[lastPage].removeLast()
        } else {
            pages[lastPage].removeLast()
        }
        count -= 1
        // An emptied last page is let go only once the page before it is half empty: a table whose size
        // hovers at a page boundary would otherwise allocate and free a page per insertion and removal.
        while pages.count >= 2 && pages[pages.count - 1].isEmpty && pages[pages.count - 2].count < Self.perPage / 2 {
            pages.removeLast()
        }
    }

    /// Frees index place `removed`; later words of its probe run move back into the hole.
    private mutating func removeFromIndex(_ removed: Int) {
        let mask = mask
        index.withUnsafeMutableBufferPointer { index in
            var hole = removed
            var next = (hole + 1) & mask
            while index[next] != 0 {
                let home = Self.home(tag: index[next] >> 32, mask)
                // The word at `next` may move into `hole` when its home is not strictly inside (hole, next].
                if (hole - home) & mask < (next - home) & mask {
                    index[hole] = index[next]
                    hole = next
                }
                next = (next + 1) & mask
            }
            index[hole] = 0
        }
    }

    /// The positions of the entries, grouped: `groups[g]` lists in position order those whose key
    /// `group` puts in `g` (`0..<count`). With `withEntry(at:)`, a checkpoint encodes entries group by
    /// group without copying any (a copy retains every string and array an entry holds, then releases
    /// them).
    public func slotsByGroup(count groupCount: Int, _ group: (borrowing Key) -> Int) -> [[Int32]] {
        var groups = Array(repeating: [Int32](), count: groupCount)
        for page in pages.indices {
            pages[page].withUnsafeBufferPointer { entries in
                for offset in entries.indices {
                    let position = Int32(truncatingIfNeeded: page * Self.perPage + offset)
                    groups[group(entries[offset].key)].append(position)
                }
            }
        }
        return groups
    }

    /// `body` with the key and value at `position`, borrowed in place (not copied).
    public func withEntry<R>(at position: Int, _ body: (borrowing Key, borrowing Value) throws -> R) rethrows -> R {
        try pages[position / Self.perPage].withUnsafeBufferPointer { entries in
            let offset = position % Self.perPage
            return try body(entries[offset].key, entries[offset].value)
        }
    }

    /// Every (key, value), in position order.
    public func forEach(_ body: (Key, Value) throws -> Void) rethrows {
        for page in pages {
            for entry in page { try body(entry.key, entry.value) }
        }
    }

    /// Doubles the index; the words carry their homes, so no entry is read.
    private mutating func grow() {
        var old = Array(repeating: UInt64(0), count: index.count * 2)
        swap(&old, &index)
        mask = index.count - 1
        for word in old where word != 0 {
            var place = Self.home(tag: word >> 32, mask)
            while index[place] != 0 { place = (place + 1) & mask }
            index[place] = word
        }
    }
}

extension HashedTable: Sendable where Key: Sendable, Value: Sendable {}
extension HashedTable.Entry: Sendable where Key: Sendable, Value: Sendable {}
