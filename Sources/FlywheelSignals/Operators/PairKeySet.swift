/// The (chosen, rejected) message pairs a conversation has already claimed (CONTRACT 3.2: at most one
/// pair per message pair), as message slot numbers.
///
/// One array of packed keys, open addressing with linear probing: a look-up costs the same however
/// many pairs are claimed, and a conversation with a handful of pairs holds one small array.
/// Two ids make one key whatever characters they contain (no "a:b" + "c" vs "a" + "b:c" clash).
struct PairKeySet: Sendable {
    /// Packed keys; 0 marks a free place. The count is a power of two (or 0).
    private var table: [UInt64] = []
    /// 32 bits: a conversation claims fewer than 2^31 pairs (slots are 32-bit), and the state's next field
    /// packs beside it.
    private var claimedCount: Int32 = 0
    var count: Int { Int(claimedCount) }

    /// Adds the pair; returns false when it was already there.
    mutating func insert(chosen: Int, rejected: Int) -> Bool {
        insert(Self.key(chosen: chosen, rejected: rejected))
    }

    func contains(chosen: Int, rejected: Int) -> Bool {
        guard !table.isEmpty else { return false }
        let key = Self.key(chosen: chosen, rejected: rejected)
        let mask = table.count - 1
        var place = Self.home(key, mask: mask)
        while table[place] != 0 {
            if table[place] == key { return true }
            place = (place + 1) & mask
        }
        return false
    }

    /// Every pair, in table order (for checkpoints).
    var pairs: [(chosen: Int, rejected: Int)] {
        table.filter { $0 != 0 }.map { (Int($0 >> 32) - 1, Int($0 & 0xFFFF_FFFF) - 1) }
    }

    private mutating func insert(_ key: UInt64) -> Bool {
        if (count + 1) * 4 > table.count * 3 { grow() }
        let mask = table.count - 1
        var place = Self.home(key, mask: mask)
        while table[place] != 0 {
            if table[place] == key { return false }
            place = (place + 1) & mask
        }
        table[place] = key
        claimedCount += 1
        return true
    }

    private mutating func grow() {
        let old = table
        table = Array(repeating: 0, count: Swift.max(4, old.count * 2))
        claimedCount = 0
        for key in old where key != 0 { _ = insert(key) }
    }

    /// Slots are below 2^32 - 1 (a conversation's messages); + 1 keeps every key non-zero.
    private static func key(chosen: Int, rejected: Int) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: chosen + 1)) << 32 | UInt64(UInt32(truncatingIfNeeded: rejected + 1))
    }

    private static func home(_ key: UInt64, mask: Int) -> Int {
        let mixed = key &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed ^ (mixed >> 31)) & mask
    }
}
