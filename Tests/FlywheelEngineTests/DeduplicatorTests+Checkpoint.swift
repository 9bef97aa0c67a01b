import FlywheelTesting
import Testing

@testable import FlywheelEngine

/// The de-dup by fingerprint, and its checkpoints in both formats.
struct DeduplicatorFingerprintTests {
    @Test func idsWhoseFirstHashCollidesStayApart() {
        var dedup = Deduplicator(ttlMs: 1000)
        let first = IDFingerprint(high: 42, low: StableHash.xxh64("e1"))
        let second = IDFingerprint(high: 42, low: StableHash.xxh64("e2"))
        #expect(dedup.checkAndInsert(first, at: at(0), watermark: .min) == false)
        #expect(dedup.checkAndInsert(second, at: at(0), watermark: .min) == false)
        #expect(dedup.checkAndInsert(first, at: at(0), watermark: .min) == true)
        #expect(dedup.count == 2)
        // The same first half with the low bit set differs only in a bit the table uses to mark slots.
        #expect(IDFingerprint(high: 43, low: 1) == IDFingerprint(high: 42, low: 1))
    }

    @Test func anIdAndItsFingerprintAreTheSameEntry() {
        var dedup = Deduplicator(ttlMs: 1000)
        #expect(dedup.checkAndInsert("e1", at: at(0), watermark: .min) == false)
        #expect(dedup.checkAndInsert(IDFingerprint("e1"), at: at(0), watermark: .min) == true)
        #expect(dedup.checkAndInsert("e1", hash: StableHash.hash("e1"), at: at(0), watermark: at(999)) == true)
        #expect(dedup.checkAndInsert(IDFingerprint("e1"), at: at(5), watermark: at(1000)) == false)
    }

    /// Random ids and times, some repeated, as a run would see them.
    static func filled(seed: UInt64, ttlMs: Int64 = 10_000) -> (Deduplicator, [(id: String, time: Int64)]) {
        var generator = SeededGenerator(seed: seed)
        var dedup = Deduplicator(ttlMs: ttlMs)
        var seen: [(id: String, time: Int64)] = []
        for _ in 0..<3000 {
            let id = "evt-\(Int.random(in: 0..<2000, using: &generator))"
            let time = Int64.random(in: 0..<20_000, using: &generator)
            if !dedup.checkAndInsert(id, at: at(time), watermark: .min) { seen.append((id, time)) }
        }
        return (dedup, seen)
    }

    static func encoded(_ dedup: Deduplicator) -> [UInt8] {
        var writer = StateWriter()
        writer.write(dedup)
        return writer.bytes
    }

    static func decoded(_ bytes: [UInt8]) throws -> Deduplicator {
        var reader = StateReader(bytes)
        let dedup = try reader.read(Deduplicator.self)
        #expect(reader.isAtEnd)
        return dedup
    }

    @Test func checkpointKeepsFingerprintsAndTimesInAFixedOrder() throws {
        let (dedup, seen) = Self.filled(seed: 5)
        let bytes = Self.encoded(dedup)
        #expect(bytes.count == 24 + 24 * seen.count)
        let restored = try Self.decoded(bytes)
        #expect(Self.encoded(restored) == bytes)
        let entries = restored.entries()
        #expect(entries.count == seen.count)
        #expect(zip(entries, entries.dropFirst()).allSatisfy { ($0.time, $0.fingerprint) < ($1.time, $1.fingerprint) })
        try Self.expectRemembers(seen, restored)
    }

    /// Each seen id is a duplicate until exactly its first time plus the time-to-live, and new from then on.
    static func expectRemembers(_ seen: [(id: String, time: Int64)], _ dedup: Deduplicator) throws {
        for (id, time) in seen {
            var copy = dedup
            #expect(copy.checkAndInsert(id, at: at(0), watermark: at(time + 9_999)) == true, "\(id)")
            #expect(copy.checkAndInsert(id, at: at(0), watermark: at(time + 10_000)) == false, "\(id)")
        }
        var copy = dedup
        #expect(copy.checkAndInsert("never-seen", at: at(0), watermark: .min) == false)
    }

    @Test func checkpointOfTheEarlierFormatIsReadByFingerprintingItsIds() throws {
        let (dedup, seen) = Self.filled(seed: 6)
        // Format 1, as builds before fingerprints wrote it: the time-to-live, then (id, time) by time then id.
        var writer = StateWriter()
        writer.write(Int64(10_000))
        let sorted = seen.sorted { $0.time != $1.time ? $0.time < $1.time : utf8Precedes($0.id, $1.id) }
        writer.write(sorted) { writer, entry in
            writer.write(entry.id)
            writer.write(entry.time)
        }
        let restored = try Self.decoded(writer.bytes)
        #expect(restored.ttlMs == 10_000)
        #expect(restored.count == seen.count)
        try Self.expectRemembers(seen, restored)
        #expect(Self.encoded(restored) == Self.encoded(dedup))
    }

    @Test func checkpointOfAnUnknownFormatIsRefused() {
        var writer = StateWriter()
        writer.write(Int64(-3))
        writer.write(Int64(10_000))
        writer.write(0)
        let error = #expect(throws: CheckpointError.self) { try Self.decoded(writer.bytes) }
        #expect(error?.code == .versionMismatch)
        #expect(error?.message == "de-dup state in format 3; this build reads formats 1 and 2")
    }

    @Test func restoredStateExpiresByBucketsLikeTheOriginal() throws {
        var (original, _) = Self.filled(seed: 7)
        var restored = try Self.decoded(Self.encoded(original))
        for watermark in stride(from: Int64(0), through: 32_000, by: 1_250) {
            original.expire(watermark: at(watermark))
            restored.expire(watermark: at(watermark))
            #expect(original.count == restored.count, "W = \(watermark)")
        }
        #expect(restored.count == 0)
    }

    @Test func allocatedBytesPerIdStayUnderFortyEight() {
        var dedup = Deduplicator(ttlMs: 3_600_000)
        for index in 0..<100_000 { _ = dedup.checkAndInsert("id-\(index)", at: at(Int64(index)), watermark: .min) }
        #expect(dedup.allocatedBytes <= 48 * dedup.count)
    }
}
