import FlywheelTesting
import Testing

@testable import FlywheelEngine

struct HashedTableTests {
    @Test func findsInsertedKeysAndChangesValuesInPlace() {
        var table = HashedTable<String, [Int]>(capacity: 1)
        for index in 0..<3000 {
            let key = "c\(index)"
            table.insert(key, hash: StableHash.hash(key), value: [index])
        }
        #expect(table.count == 3000)
        for index in 0..<3000 {
            let key = "c\(index)"
            guard let slot = table.find(key, hash: StableHash.hash(key)) else {
                Issue.record("lost \(key)")
                continue
            }
            table[slot].append(-index)
        }
        #expect(
            (0..<3000).allSatisfy {
                table.find("c\($0)", hash: StableHash.hash("c\($0)")).map { table[$0] } == [$0, -$0]
            })
        #expect(table.find("c3000", hash: StableHash.hash("c3000")) == nil)
    }

    /// What a checkpoint encodes from: every entry once, in its key group, in the order `forEach` visits
    /// them (so the bytes are those of the copying encoder it replaced), read in place by `withEntry`.
    @Test func slotsByGroupListEveryEntryOnceInItsGroupInVisitingOrder() {
        var table = HashedTable<String, [Int]>(capacity: 1)
        for index in 0..<5000 where index % 7 != 3 {
            table.insert("k\(index)", hash: StableHash.hash("k\(index)"), value: [index, -index])
        }
        for index in stride(from: 0, to: 5000, by: 11) {
            if let slot = table.find("k\(index)", hash: StableHash.hash("k\(index)")) { table.remove(at: slot) }
        }
        let groups = table.slotsByGroup(count: 16) { Int(StableHash.hash($0) % 16) }
        var visited: [[String]] = Array(repeating: [], count: 16)
        table.forEach { key, _ in visited[Int(StableHash.hash(key) % 16)].append(key) }
        var listed: [[String]] = Array(repeating: [], count: 16)
        for (group, slots) in groups.enumerated() {
            for slot in slots {
                let (key, value) = table.withEntry(at: Int(slot)) { key, value in (copy key, copy value) }
                #expect(key == table.key(at: Int(slot)) && value == table[Int(slot)])
                #expect(value.count == 2 && "k\(value[0])" == key && value[1] == -value[0])
                listed[group].append(key)
            }
        }
        #expect(listed == visited)
        #expect(listed.reduce(0) { $0 + $1.count } == table.count)
    }

    /// A table hovering at a page boundary keeps its emptied last page (no page allocated and freed per
    /// insertion and removal), and lets it go once the page before it is half empty.
    @Test func anEmptiedLastPageIsKeptUntilThePageBeforeIsHalfEmpty() {
        var table = HashedTable<String, Int>(capacity: 1)
        let perPage = HashedTable<String, Int>.perPage
        for index in 0...perPage { table.insert("k\(index)", hash: StableHash.hash("k\(index)"), value: index) }
        #expect(table.pageCount == 2)
        for round in 0..<10 {
            let key = round == 0 ? "k\(perPage)" : "x\(round - 1)"
            table.remove(at: table.find(key, hash: StableHash.hash(key))!)
            #expect(table.pageCount == 2 && table.count == perPage)
            table.insert("x\(round)", hash: StableHash.hash("x\(round)"), value: round)
            #expect(table.pageCount == 2 && table.count == perPage + 1)
        }
        for index in 0..<(perPage / 2 + 3) {
            table.remove(at: table.find("k\(index)", hash: StableHash.hash("k\(index)"))!)
        }
        #expect(table.pageCount == 1)
        for index in (perPage / 2 + 3)..<perPage {
            #expect(table.find("k\(index)", hash: StableHash.hash("k\(index)")).map { table[$0] } == index)
        }
        #expect(table.find("x9", hash: StableHash.hash("x9")).map { table[$0] } == 9)
    }

    @Test func keysWithTheSameHashStayApart() {
        var table = HashedTable<String, Int>()
        table.insert("first", hash: 99, value: 1)
        table.insert("second", hash: 99, value: 2)
        #expect(table.find("first", hash: 99).map { table[$0] } == 1)
        #expect(table.find("second", hash: 99).map { table[$0] } == 2)
        #expect(table.find("third", hash: 99) == nil)
        table.remove(at: table.find("first", hash: 99)!)
        #expect(table.find("first", hash: 99) == nil)
        #expect(table.find("second", hash: 99).map { table[$0] } == 2)
    }

    @Test func findByHashTakesTheEntryWhoseOwnValueQualifies() throws {
        var table = HashedTable<String, Int64>()
        table.insert("first", hash: 99, value: 5)
        table.insert("second", hash: 99, value: 1)
        // "first" comes first in the probe run but its value does not qualify; "second" does.
        let slot = try #require(table.find(hash: 99) { $0 < 2 })
        #expect(table.key(at: slot) == "second")
        table.remove(at: slot)
        #expect(table.find(hash: 99) { $0 < 2 } == nil)
        #expect(table.find("first", hash: 99).map { table[$0] } == 5)
        #expect(table.count == 1)
    }

    @Test func touchReadsTheHomeIndexWord() {
        var table = HashedTable<String, Int64>(capacity: 4)
        let hash = StableHash.hash("a")
        #expect(table.touch(hash: hash) == 0)
        table.insert("a", hash: hash, value: 1)
        // The hash's high half above position 0 + 1.
        #expect(table.touch(hash: hash) == (hash >> 32) << 32 | 1)
    }

    /// Entries sit densely in pages: removing one moves the last entry into its place, across pages, and
    /// every key stays found at the position the table reports.
    @Test func removalMovesTheLastEntryIntoTheHoleAcrossPages() {
        var table = HashedTable<String, Int>(capacity: 1)
        let total = 3 * HashedTable<String, Int>.perPage + 7
        for index in 0..<total { table.insert("k\(index)", hash: StableHash.hash("k\(index)"), value: index) }
        var present = Set(0..<total)
        var generator = SeededGenerator(seed: 5)
        while present.count > 100 {
            let victim = present.randomElement(using: &generator)!
            let slot = table.find("k\(victim)", hash: StableHash.hash("k\(victim)"))!
            let last = table.count - 1
            let lastKey = table.key(at: last)
            table.remove(at: slot)
            present.remove(victim)
            #expect(table.count == present.count)
            if slot != last { #expect(table.key(at: slot) == lastKey) }
        }
        for index in 0..<total {
            let slot = table.find("k\(index)", hash: StableHash.hash("k\(index)"))
            #expect((slot != nil) == present.contains(index))
            if let slot { #expect(table[slot] == index && table.key(at: slot) == "k\(index)") }
        }
    }

    @Test func exactKeysAreComparedByCodePoints() {
        var table = HashedTable<ExactKey, Int>()
        table.insert(ExactKey("caf\u{E9}"), hash: 7, value: 1)
        #expect(table.find(ExactKey("cafe\u{301}"), hash: 7) == nil)
        #expect(table.find(ExactKey("caf\u{E9}"), hash: 7) != nil)
    }

    @Test func removalKeepsTheRestOfAProbeRunReachable() {
        // Hashes chosen to share home places (of 32 in the index; the home is taken from the high half), so entries
        // form one probe run that wraps around.
        var table = HashedTable<String, Int>(capacity: 16)
        let hashes: [UInt64] = [31, 63, 95, 1, 33, 3, 30, 29].map { $0 << 32 }
        for (index, hash) in hashes.enumerated() { table.insert("k\(index)", hash: hash, value: index) }
        var generator = SeededGenerator(seed: 3)
        var remaining = Array(hashes.enumerated())
        while let (index, hash) = remaining.randomElement(using: &generator) {
            table.remove(at: table.find("k\(index)", hash: hash)!)
            remaining.removeAll { $0.offset == index }
            for (other, otherHash) in remaining {
                #expect(table.find("k\(other)", hash: otherHash).map { table[$0] } == other, "after removing k\(index)")
            }
            #expect(table.find("k\(index)", hash: hash) == nil)
            #expect(table.count == remaining.count)
        }
    }

    @Test func findOrInsertFindsOrAddsInOneCall() {
        var table = HashedTable<String, Int>(capacity: 1)
        var made = 0
        for round in 0..<2 {
            for index in 0..<500 {
                // Few hashes, so new keys land past others of the same hash.
                let (slot, inserted) = table.findOrInsert("k\(index)", hash: UInt64(index % 7) << 32) {
                    made += 1
                    return index
                }
                #expect(inserted == (round == 0))
                #expect(table[slot] == index)
                #expect(table.key(at: slot) == "k\(index)")
            }
        }
        #expect(made == 500)
        #expect(table.count == 500)
    }

    @Test func keysOfOneShardSpreadOverTheTable() {
        // Keys of one shard share the low bits of their hashes (KeyGroups): their homes must not.
        var table = HashedTable<String, Int>(capacity: 4096)
        var homes = Set<UInt64>()
        for index in 0..<2000 {
            let hash = (StableHash.hash("c\(index)") & ~0x7F) | 0x41
            table.insert("c\(index)", hash: hash, value: index)
            homes.insert(table.touch(hash: hash))
        }
        // Each touched home holds some entry's index word; with homes from the low bits, all 2000 keys
        // would start at one of a few slots.
        #expect(homes.count > 1000)
    }

    @Test func randomOperationsMatchADictionary() {
        var table = HashedTable<String, Int>(capacity: 2)
        var model: [String: Int] = [:]
        var generator = SeededGenerator(seed: 17)
        for step in 0..<20_000 {
            // Few distinct hashes, so probe runs are long and collide.
            let key = "k\(Int.random(in: 0..<300, using: &generator))"
            let hash = (StableHash.hash(key) % 64) << 32
            if let slot = table.find(key, hash: hash) {
                #expect(model[key] == table[slot])
                if Bool.random(using: &generator) {
                    table.remove(at: slot)
                    model[key] = nil
                } else {
                    table[slot] = step
                    model[key] = step
                }
            } else {
                #expect(model[key] == nil)
                table.insert(key, hash: hash, value: step)
                model[key] = step
            }
        }
        var seen: [String: Int] = [:]
        table.forEach { seen[$0] = $1 }
        #expect(seen == model)
        #expect(table.count == model.count)
    }
}
