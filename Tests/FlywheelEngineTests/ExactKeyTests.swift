import Testing

@testable import FlywheelEngine

/// `isExactly` first compares the strings' representations, then their bytes: both paths must agree
/// with byte equality.
struct ExactKeyTests {
    @Test func theSameStringIsEqualByItsRepresentation() {
        let long = "conversation-0123456789-abcdefghij"
        let same = long
        #expect(long.isExactly(same))
        #expect("c1".isExactly("c1"))
        #expect("".isExactly(String()))
    }

    @Test func sameBytesInDifferentStorageAreEqual() {
        let long = "conversation-0123456789-abcdefghij"
        let rebuilt = String(decoding: Array(long.utf8), as: UTF8.self)
        #expect(long.isExactly(rebuilt))
        #expect(rebuilt.isExactly(long))
        #expect("c1".isExactly(String(decoding: Array("c1".utf8), as: UTF8.self)))
    }

    @Test func differentBytesAreNotEqual() {
        #expect(!"c1".isExactly("c2"))
        #expect(!"conversation-0123456789-abcdefghij".isExactly("conversation-0123456789-abcdefghik"))
        #expect(!"c1".isExactly("c10"))
        // Canonically equivalent, different code points: `==` says equal, exact comparison does not.
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)
        #expect(!composed.isExactly(decomposed))
        #expect(ExactKey(composed) != ExactKey(decomposed))
    }

    @Test func aTableFindsLongIdsThroughCopiesInOtherStorage() {
        var table = HashedTable<ExactKey, Int>()
        let ids = (0..<200).map { "event-\($0)-" + String(repeating: "x", count: $0 % 20) }
        for (index, id) in ids.enumerated() { table.insert(ExactKey(id), hash: StableHash.hash(id), value: index) }
        for (index, id) in ids.enumerated() {
            let copy = String(decoding: Array(id.utf8), as: UTF8.self)
            let slot = table.find(ExactKey(copy), hash: StableHash.hash(copy))
            #expect(slot.map { table[$0] } == index)
        }
    }

    /// Byte views of every length up to 40 (the two-load compares up to 16, `memcmp` past them) are equal exactly
    /// when every byte is: a change at each position is seen, in buffers that sit at odd offsets.
    @Test func byteViewsCompareEveryPositionAtEveryLength() {
        for count in 0...40 {
            let base = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let storage = [0xEE] + base + [0xEE]
            storage.withUnsafeBufferPointer { whole in
                let mine = UnsafeBufferPointer(rebasing: whole[1..<(1 + count)])
                let same = [0x55, 0x55, 0x55] + base
                same.withUnsafeBufferPointer { #expect(mine.hasSameBytes(as: UnsafeBufferPointer(rebasing: $0[3...]))) }
                for position in 0..<count {
                    var changed = [0x55, 0x55, 0x55] + base
                    changed[3 + position] ^= 0x80
                    changed.withUnsafeBufferPointer { theirs in
                        #expect(
                            !mine.hasSameBytes(as: UnsafeBufferPointer(rebasing: theirs[3...])),
                            "length \(count), byte \(position)")
                    }
                }
                if count > 0 {
                    #expect(!mine.hasSameBytes(as: UnsafeBufferPointer(rebasing: whole[1..<count])))
                }
            }
        }
    }
}
