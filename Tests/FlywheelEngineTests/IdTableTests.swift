import Testing

@testable import FlywheelEngine

private func isExpired(before limit: Int64) -> (Int64) -> Bool { { $0 < limit } }

struct IdTableTests {
    @Test func storesAndReplacesTimes() {
        var table = IdTable(capacity: 4)
        table.set("a", hash: IdTable.hash("a"), time: 10)
        table.set("a", hash: IdTable.hash("a"), time: 20)
        #expect(table.time(of: "a", hash: IdTable.hash("a")) == 20)
        #expect(table.time(of: "b", hash: IdTable.hash("b")) == nil)
        #expect(table.count == 1)
    }

    @Test func touchReadsTheHomeSlot() {
        var table = IdTable(capacity: 4)
        let hash = IdTable.hash("a")
        #expect(table.touch(hash: hash) == 0)
        table.set("a", hash: hash, time: 1)
        #expect(table.touch(hash: hash) == hash)
    }

    @Test func hashIsNeverZero() {
        #expect((0..<1000).allSatisfy { IdTable.hash("id-\($0)") != 0 })
    }

    @Test func removeOnlyTakesExpiredEntries() {
        var table = IdTable(capacity: 4)
        table.set("a", hash: IdTable.hash("a"), time: 10)
        table.removeEntry(hash: IdTable.hash("a"), if: isExpired(before: 10))
        #expect(table.time(of: "a", hash: IdTable.hash("a")) == 10)
        table.removeEntry(hash: IdTable.hash("a"), if: isExpired(before: 11))
        #expect(table.time(of: "a", hash: IdTable.hash("a")) == nil)
        #expect(table.count == 0)
    }

    @Test func growingKeepsEveryEntry() {
        var table = IdTable(capacity: 1)
        for index in 0..<3000 { table.set("id-\(index)", hash: IdTable.hash("id-\(index)"), time: Int64(index)) }
        #expect(table.count == 3000)
        #expect((0..<3000).allSatisfy { table.time(of: "id-\($0)", hash: IdTable.hash("id-\($0)")) == Int64($0) })
    }

    @Test func removalKeepsTheRestOfAProbeRunReachable() {
        // Hashes chosen to share home slots (of 16), so entries form one probe run that wraps around
        // the end.
        var table = IdTable(capacity: 4)
        let hashes: [UInt64] = [15, 47, 31, 1, 17, 3, 14]
        for (index, hash) in hashes.enumerated() { table.set("id\(index)", hash: hash, time: Int64(index)) }
        var generator = SeededGenerator(seed: 11)
        var remaining = Array(hashes.enumerated())
        while let (index, hash) = remaining.randomElement(using: &generator) {
            table.removeEntry(hash: hash, if: isExpired(before: .max))
            remaining.removeAll { $0.offset == index }
            for (other, otherHash) in remaining {
                #expect(table.time(of: "id\(other)", hash: otherHash) == Int64(other), "after removing id\(index)")
            }
            #expect(table.time(of: "id\(index)", hash: hash) == nil)
            #expect(table.count == remaining.count)
        }
    }

    @Test func idsWithTheSameHashStayApart() {
        var table = IdTable(capacity: 4)
        table.set("first", hash: 99, time: 1)
        table.set("second", hash: 99, time: 2)
        #expect(table.time(of: "first", hash: 99) == 1)
        #expect(table.time(of: "second", hash: 99) == 2)
        #expect(table.time(of: "third", hash: 99) == nil)
        #expect(table.count == 2)
    }

    @Test func collidingIdSurvivesRemovalOfTheOtherOne() {
        var table = IdTable(capacity: 4)
        table.set("first", hash: 99, time: 1)
        table.set("second", hash: 99, time: 2)
        table.removeEntry(hash: 99, if: isExpired(before: 2))
        #expect(table.time(of: "first", hash: 99) == nil)
        #expect(table.count == 1)
        #expect(table.time(of: "second", hash: 99) == 2)
        // Removing by hash never takes an entry whose own time has not expired.
        table.removeEntry(hash: 99, if: isExpired(before: 2))
        #expect(table.time(of: "second", hash: 99) == 2)
        table.set("second", hash: 99, time: 3)
        #expect(table.count == 1)
        #expect(table.time(of: "second", hash: 99) == 3)
    }

    @Test func expiredOverflowEntryIsRemovedWhileTheOtherStays() {
        var table = IdTable(capacity: 4)
        table.set("first", hash: 99, time: 5)
        table.set("second", hash: 99, time: 1)
        table.removeEntry(hash: 99, if: isExpired(before: 2))
        #expect(table.time(of: "first", hash: 99) == 5)
        #expect(table.time(of: "second", hash: 99) == nil)
        #expect(table.count == 1)
    }
}
