import FlywheelTesting
import Testing

@testable import FlywheelEngine

struct DeduplicatorTests {
    @Test func idsWithTheSameHashAreRememberedApart() {
        var dedup = Deduplicator(ttlMs: 10_000)
        #expect(dedup.checkAndInsert("e1", hash: 42, at: at(1000), watermark: .min) == false)
        #expect(dedup.checkAndInsert("e2", hash: 42, at: at(1500), watermark: .min) == false)
        #expect(dedup.checkAndInsert("e1", hash: 42, at: at(2000), watermark: .min) == true)
        #expect(dedup.checkAndInsert("e2", hash: 42, at: at(2000), watermark: .min) == true)
        // At 11 300 e1's time to live has passed (11 000), e2's not (11 500): expiry removes e1 only.
        dedup.expire(watermark: at(11_300))
        #expect(dedup.count == 1)
        #expect(dedup.checkAndInsert("e2", hash: 42, at: at(3000), watermark: at(11_300)) == true)
        #expect(dedup.checkAndInsert("e1", hash: 42, at: at(11_400), watermark: at(11_300)) == false)
    }

    static let hour: Int64 = 3_600_000

    @Test func firstCopyIsNewAndSecondIsDuplicate() {
        var dedup = Deduplicator(ttlMs: Self.hour)
        #expect(dedup.checkAndInsert("e1", at: at(1000), watermark: .min) == false)
        #expect(dedup.checkAndInsert("e1", at: at(1000), watermark: .min) == true)
        #expect(dedup.checkAndInsert("e1", at: at(2000), watermark: at(500)) == true)
        #expect(dedup.count == 1)
    }

    @Test func differentIdsAreIndependent() {
        var dedup = Deduplicator(ttlMs: Self.hour)
        #expect(dedup.checkAndInsert("e1", at: at(1000), watermark: .min) == false)
        #expect(dedup.checkAndInsert("e2", at: at(1000), watermark: .min) == false)
        #expect(dedup.count == 2)
    }

    @Test(arguments: [(-1, true), (0, false), (1, false)] as [(Int64, Bool)])
    func idIsForgottenExactlyWhenWatermarkReachesTimePlusTTL(offset: Int64, duplicate: Bool) {
        var dedup = Deduplicator(ttlMs: Self.hour)
        _ = dedup.checkAndInsert("e1", at: at(10_000), watermark: .min)
        let watermark = at(10_000 + Self.hour + offset)
        #expect(dedup.checkAndInsert("e1", at: at(10_000), watermark: watermark) == duplicate)
    }

    @Test func firstCopysTimeCounts() {
        var dedup = Deduplicator(ttlMs: Self.hour)
        _ = dedup.checkAndInsert("e1", at: at(1000), watermark: .min)
        #expect(dedup.checkAndInsert("e1", at: at(50_000), watermark: at(1000)) == true)
        #expect(dedup.checkAndInsert("e1", at: at(50_000), watermark: at(1000 + Self.hour)) == false)
    }

    @Test func copyAfterForgettingIsRememberedWithItsOwnTime() {
        var dedup = Deduplicator(ttlMs: 100)
        _ = dedup.checkAndInsert("e1", at: at(0), watermark: .min)
        #expect(dedup.checkAndInsert("e1", at: at(500), watermark: at(100)) == false)
        #expect(dedup.checkAndInsert("e1", at: at(0), watermark: at(599)) == true)
        #expect(dedup.checkAndInsert("e1", at: at(0), watermark: at(600)) == false)
    }

    @Test func expireFreesMemoryOfForgottenIds() {
        var dedup = Deduplicator(ttlMs: 800)
        for index in 0..<100 { _ = dedup.checkAndInsert("e\(index)", at: at(Int64(index) * 10), watermark: .min) }
        dedup.expire(watermark: at(799))
        #expect(dedup.count == 100)
        dedup.expire(watermark: at(1790))
        #expect(dedup.count < 100)
        #expect(dedup.count > 0)
        dedup.expire(watermark: at(1790))
        dedup.expire(watermark: at(1800))
        #expect(dedup.count == 0)
    }

    @Test func expireKeepsIdsWhoseTTLHasNotPassed() {
        var dedup = Deduplicator(ttlMs: 800)
        _ = dedup.checkAndInsert("old", at: at(0), watermark: .min)
        _ = dedup.checkAndInsert("new", at: at(5000), watermark: .min)
        dedup.expire(watermark: at(5000))
        #expect(dedup.count == 1)
        #expect(dedup.checkAndInsert("new", at: at(5000), watermark: at(5000)) == true)
    }

    @Test func expireKeepsAnIdRememberedAgainWithALaterTime() {
        var dedup = Deduplicator(ttlMs: 800)
        _ = dedup.checkAndInsert("e1", at: at(0), watermark: .min)
        _ = dedup.checkAndInsert("e1", at: at(1000), watermark: at(900))
        dedup.expire(watermark: at(1000))
        #expect(dedup.count == 1)
        #expect(dedup.checkAndInsert("e1", at: at(0), watermark: at(1799)) == true)
    }

    @Test func expireDoesNotChangeAnswers() {
        var generator = SeededGenerator(seed: 99)
        var expiring = Deduplicator(ttlMs: 1000)
        var keeping = Deduplicator(ttlMs: 1000)
        var watermark = EventTime.min
        var maxCount = 0
        var duplicates = 0
        for step in 0..<5000 {
            let time = Int64(step) * 3 + Int64.random(in: -200...1500, using: &generator)
            let id = "e\(Int.random(in: 0..<4000, using: &generator))"
            let answer = expiring.checkAndInsert(id, at: at(time), watermark: watermark)
            #expect(answer == keeping.checkAndInsert(id, at: at(time), watermark: watermark), "step \(step)")
            if answer { duplicates += 1 }
            watermark = Swift.max(watermark, at(time - 300))
            expiring.expire(watermark: watermark)
            maxCount = Swift.max(maxCount, expiring.count)
        }
        #expect(duplicates > 100)
        #expect(keeping.count > 2000)
        #expect(maxCount < 1500)
    }

    @Test func negativeTimesExpireLikeAnyOther() {
        var dedup = Deduplicator(ttlMs: 1000)
        _ = dedup.checkAndInsert("e1", at: at(-5000), watermark: .min)
        #expect(dedup.checkAndInsert("e1", at: at(-5000), watermark: at(-4001)) == true)
        dedup.expire(watermark: at(-3000))
        #expect(dedup.count == 0)
        #expect(dedup.checkAndInsert("e1", at: at(-5000), watermark: at(-3000)) == false)
    }

    @Test func expireWaitsForAWholeBucketButAnswersExactly() {
        // Buckets are ttl / 8 = 125 ms wide; the bucket of t = 0 is [0, 125).
        var dedup = Deduplicator(ttlMs: 1000)
        _ = dedup.checkAndInsert("e1", at: at(0), watermark: .min)
        dedup.expire(watermark: at(1000))
        #expect(dedup.count == 1)
        #expect(dedup.checkAndInsert("e1", at: at(0), watermark: at(1000)) == false)
        dedup.expire(watermark: at(2124))
        #expect(dedup.count == 0)
    }

    /// Forgotten ids are dropped when the table would grow: a stream of new ids whose time-to-live keeps passing
    /// holds a table sized by the ids inside it, not by every id ever seen, and answers as before.
    @Test func forgottenIdsMakeRoomInsteadOfGrowingTheTable() {
        var dedup = Deduplicator(ttlMs: 1000)
        var largest = 0
        for step in 0..<200_000 {
            let time = Int64(step)  // one id a millisecond: about 1,000 inside the time-to-live
            let watermark = at(time - 10)
            #expect(dedup.checkAndInsert("e\(step)", at: at(time), watermark: watermark) == false)
            if step % 4096 == 0 { dedup.expire(watermark: watermark) }
            largest = Swift.max(largest, dedup.allocatedBytes)
        }
        // 1,000 live ids, up to 4,096 more not yet expired when `expire` last ran, an eighth of a bucket more.
        #expect(largest < 24 * 16_000)
        #expect(dedup.count < 6_500)
        // An id seen 500 ms ago is still a duplicate, one seen 2 s ago is new again.
        #expect(dedup.checkAndInsert("e199500", at: at(199_999), watermark: at(199_990)) == true)
        #expect(dedup.checkAndInsert("e197000", at: at(199_999), watermark: at(199_990)) == false)
    }

    @Test func manyIdsStayDistinct() {
        var dedup = Deduplicator(ttlMs: 1000)
        for index in 0..<5000 {
            #expect(dedup.checkAndInsert("id-\(index)", at: at(0), watermark: .min) == false)
        }
        #expect(dedup.count == 5000)
        for index in 0..<5000 {
            #expect(dedup.checkAndInsert("id-\(index)", at: at(0), watermark: .min) == true)
        }
        dedup.expire(watermark: at(5000))
        #expect(dedup.count == 0)
    }

    /// The cut-off a table pass compares times with accepts exactly the times the bucket rule drops, for
    /// time-to-lives and watermarks small, large and at the ends of the range.
    @Test func latestDroppedTimeSplitsTimesAsTheBucketRuleDoes() {
        var generator = SystemRandomNumberGenerator()
        for ttl: Int64 in [1, 7, 8, 1000, 3_600_000, 86_400_000, 1 << 40, .max / 3, .max] {
            for watermark: Int64 in [.min, -5_000, 0, 1, 999, 3_600_123, 1_800_000_000_000, 1 << 61, .max - 1, .max] {
                var dedup = Deduplicator(ttlMs: ttl)
                dedup.expire(watermark: EventTime(millis: watermark))
                let latest = dedup.latestDropped()
                var times: [Int64] = [.min, .min + 1, -1, 0, 1, .max - 1, .max, watermark, watermark &- ttl]
                if let latest { times += [latest, latest &- 1, latest &+ 1] }
                for _ in 0..<200 { times.append(Int64.random(in: .min ... .max, using: &generator)) }
                let spread = Swift.min(ttl, 1 << 40)
                for _ in 0..<200 {
                    times.append(watermark &- ttl &+ Int64.random(in: -spread...spread, using: &generator))
                }
                for time in times {
                    let byCutOff = latest.map { time <= $0 } ?? false
                    #expect(byCutOff == dedup.isDropped(time), "ttl \(ttl) watermark \(watermark) time \(time)")
                }
            }
        }
    }
}
