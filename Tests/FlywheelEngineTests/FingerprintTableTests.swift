import FlywheelTesting
import Testing

@testable import FlywheelEngine

struct FingerprintTableTests {
    @Test func fingerprintsSharingTheFirstHalfStayApart() {
        var table = FingerprintTable()
        #expect(table.findOrInsert(high: 99, low: 1, time: 10).inserted)
        #expect(table.findOrInsert(high: 99, low: 2, time: 20).inserted)
        let again = table.findOrInsert(high: 99, low: 1, time: 30)
        #expect(!again.inserted)
        #expect(table[again.slot] == 10)
        #expect(table.count == 2)
    }

    @Test func findByFirstHalfTakesTheEntryWhoseOwnTimeQualifies() throws {
        var table = FingerprintTable()
        _ = table.findOrInsert(high: 99, low: 1, time: 5)
        _ = table.findOrInsert(high: 99, low: 2, time: 1)
        let slot = try #require(table.find(high: 99) { $0 < 2 })
        table.remove(at: slot)
        #expect(table.find(high: 99) { $0 < 2 } == nil)
        #expect(table.find(high: 99) { $0 == 5 } != nil)
        #expect(table.findOrInsert(high: 99, low: 2, time: 7).inserted)
    }

    @Test func touchReadsTheHomeSlot() {
        var table = FingerprintTable(capacity: 4)
        #expect(table.touch(high: 1234) == 0)
        _ = table.findOrInsert(high: 1234, low: 0, time: 0)
        #expect(table.touch(high: 1234) == 1235)
    }

    /// Random inserts and removals, with first halves crowded into a few homes at both ends of the table
    /// (probe runs that wrap round the end) and growth on the way, against a dictionary.
    @Test func agreesWithADictionaryThroughGrowthAndRemoval() {
        var generator = SeededGenerator(seed: 17)
        var table = FingerprintTable(capacity: 8)
        var model: [IDFingerprint: Int64] = [:]
        let crowded: [UInt64] = [0, 1 << 60, .max - 5, .max - (1 << 58), .max]
        for step in 0..<20_000 {
            let high = crowded.randomElement(using: &generator)! &+ UInt64.random(in: 0..<4, using: &generator) << 1
            let fingerprint = IDFingerprint(high: high, low: UInt64.random(in: 0..<300, using: &generator))
            if Bool.random(using: &generator) || model.count < 50 {
                let (slot, inserted) = table.findOrInsert(
                    high: fingerprint.high, low: fingerprint.low, time: Int64(step))
                #expect(inserted == (model[fingerprint] == nil), "step \(step)")
                #expect(table[slot] == model[fingerprint, default: Int64(step)])
                if model[fingerprint] == nil { model[fingerprint] = Int64(step) }
            } else if let victim = model.randomElement(using: &generator) {
                let slot = table.find(high: victim.key.high) { $0 == victim.value }
                #expect(slot != nil, "step \(step)")
                if let slot { table.remove(at: slot) }
                model[victim.key] = nil
            }
            #expect(table.count == model.count)
        }
        var seen: [IDFingerprint: Int64] = [:]
        table.forEach { high, low, time in seen[IDFingerprint(high: high, low: low)] = time }
        #expect(seen == model)
        #expect(table.capacity * 4 >= table.count * 5)
    }

    @Test func growsInSmallStepsAndStaysAtLeastThreeFifthsFullOnceGrown() {
        var table = FingerprintTable(capacity: 16)
        var lowest = 1.0
        for index in 0..<200_000 {
            let id = "id-\(index)"
            _ = table.findOrInsert(high: StableHash.hash(id), low: StableHash.xxh64(id), time: 0)
            if index > 1000 { lowest = Swift.min(lowest, Double(table.count) / Double(table.capacity)) }
        }
        #expect(table.count == 200_000)
        #expect(lowest >= 0.59)
    }
}
