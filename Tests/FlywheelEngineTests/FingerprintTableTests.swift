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

    /// `makeRoom` drops the entries whose time it is told to and keeps every other one findable, with its time.
    @Test func makeRoomDropsOnlyWhatItIsToldTo() {
        var table = FingerprintTable(capacity: 64)
        for index in 0..<40 { _ = table.findOrInsert(high: UInt64(index) << 58, low: 7, time: Int64(index)) }
        table.makeRoom { $0 < 20 }
        #expect(table.count == 20)
        for index in 0..<40 {
            let (slot, inserted) = table.findOrInsert(high: UInt64(index) << 58, low: 7, time: 1000)
            #expect(inserted == (index < 20))
            #expect(table[slot] == (index < 20 ? 1000 : Int64(index)))
        }
    }

    @Test func touchReadsTheHomeSlot() {
        var table = FingerprintTable(capacity: 4)
        #expect(table.touch(high: 1234) == 0)
        _ = table.findOrInsert(high: 1234, low: 0, time: 0)
        #expect(table.touch(high: 1234) == 1235)
    }

    /// Random inserts, and rounds of `makeRoom` dropping a random part, with first halves crowded into a few
    /// homes at both ends of the table (probe runs that wrap round the end) and growth on the way, against a
    /// dictionary.
    @Test func agreesWithADictionaryThroughGrowthAndDropping() {
        var generator = SeededGenerator(seed: 17)
        var table = FingerprintTable(capacity: 8)
        var model: [IDFingerprint: Int64] = [:]
        let crowded: [UInt64] = [0, 1 << 60, .max - 5, .max - (1 << 58), .max]
        for step in 0..<20_000 {
            let high = crowded.randomElement(using: &generator)! &+ UInt64.random(in: 0..<4, using: &generator) << 1
            let fingerprint = IDFingerprint(high: high, low: UInt64.random(in: 0..<300, using: &generator))
            if step % 1000 == 999 {
                // Drop the entries first seen in a random stretch of steps.
                let from = Int64.random(in: 0...Int64(step), using: &generator)
                let dropped = from...(from + 3000)
                table.makeRoom { dropped.contains($0) }
                model = model.filter { !dropped.contains($0.value) }
            } else {
                let (slot, inserted) = table.findOrInsert(
                    high: fingerprint.high, low: fingerprint.low, time: Int64(step))
                #expect(inserted == (model[fingerprint] == nil), "step \(step)")
                #expect(table[slot] == model[fingerprint, default: Int64(step)])
                if model[fingerprint] == nil { model[fingerprint] = Int64(step) }
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
