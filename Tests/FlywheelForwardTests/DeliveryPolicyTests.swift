import FlywheelForward
import FlywheelSignals
import Testing

@Suite("Delivery policies: back-off, Retry-After, token bucket, circuit breaker")
struct DeliveryPolicyTests {
    @Test("back-off doubles from the base up to the cap, jittered below the bound")
    func backoffBounds() {
        let backoff = Backoff(ForwardSpec.Retry(maxAttempts: 5, baseMs: 100, capMs: 1_000))
        #expect((1...6).map { backoff.bound(afterAttempt: $0) } == [100, 200, 400, 800, 1_000, 1_000])
        #expect(backoff.bound(afterAttempt: 200) == 1_000)
        #expect(backoff.delay(afterAttempt: 3, retryAfterMs: nil, random: 0.5) == 200)
        #expect(backoff.delay(afterAttempt: 3, retryAfterMs: nil, random: 0) == 0)
        #expect(backoff.delay(afterAttempt: 3, retryAfterMs: nil, random: 0.999_999) == 399)
        #expect(backoff.allowsAnother(after: 4))
        #expect(!backoff.allowsAnother(after: 5))
    }

    @Test("Retry-After wins when longer than the jitter, and is capped")
    func retryAfterIsHonoured() {
        let backoff = Backoff(ForwardSpec.Retry(maxAttempts: 5, baseMs: 100, capMs: 10_000))
        #expect(backoff.delay(afterAttempt: 1, retryAfterMs: 3_000, random: 0.5) == 3_000)
        #expect(backoff.delay(afterAttempt: 1, retryAfterMs: 60_000, random: 0.5) == 10_000)
        #expect(backoff.delay(afterAttempt: 1, retryAfterMs: 0, random: 0.5) == 50)
    }

    @Test("Retry-After as seconds or as an HTTP date")
    func retryAfterParsing() {
        let now: Int64 = 784_111_777_000  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(parseRetryAfter("120", nowEpochMillis: now) == 120_000)
        #expect(parseRetryAfter(" 2 ", nowEpochMillis: now) == 2_000)
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:47 GMT", nowEpochMillis: now) == 10_000)
        #expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:27 GMT", nowEpochMillis: now) == 0)
        #expect(parseRetryAfter("soon", nowEpochMillis: now) == nil)
        #expect(parseRetryAfter("-5", nowEpochMillis: now) == nil)
        #expect(parseRetryAfter("Sun, 06 Foo 1994 08:49:47 GMT", nowEpochMillis: now) == nil)
    }

    @Test("the token bucket lets a burst through, then one token per 1/rate")
    func tokenBucket() {
        var bucket = TokenBucket(rate: 10)
        for _ in 0..<10 { #expect(bucket.take(nowMillis: 1_000) == 0) }
        #expect(bucket.take(nowMillis: 1_000) == 100)
        #expect(bucket.take(nowMillis: 1_050) == 50)
        #expect(bucket.take(nowMillis: 1_100) == 0)
        var slow = TokenBucket(rate: 0.5)
        #expect(slow.take(nowMillis: 0) == 0)
        #expect(slow.take(nowMillis: 0) == 2_000)
        #expect(slow.take(nowMillis: 2_000) == 0)
    }

    @Test("the breaker opens after N failures in a row, probes once after the cool-down, closes on success")
    func breakerCycle() {
        var breaker = CircuitBreaker(ForwardSpec.Breaker(failures: 3, cooldownMs: 1_000))
        #expect(breaker.permit(nowMillis: 0) == 0)
        breaker.failed(nowMillis: 0)
        breaker.failed(nowMillis: 0)
        breaker.succeeded()  // not in a row
        breaker.failed(nowMillis: 0)
        breaker.failed(nowMillis: 0)
        #expect(breaker.state == .closed)
        breaker.failed(nowMillis: 10)
        #expect(breaker.state == .open(untilMillis: 1_010))
        #expect(breaker.openings == 1)
        #expect(breaker.permit(nowMillis: 500) == 510)
        #expect(breaker.permit(nowMillis: 1_010) == 0)  // the probe
        #expect(breaker.state == .halfOpen)
        #expect(breaker.permit(nowMillis: 1_011) > 0)  // one probe at a time
        breaker.failed(nowMillis: 1_100)  // the probe failed: open for twice as long
        #expect(breaker.state == .open(untilMillis: 3_100))
        #expect(breaker.permit(nowMillis: 3_100) == 0)
        breaker.succeeded()
        #expect(breaker.state == .closed)
        #expect(breaker.permit(nowMillis: 3_101) == 0)
        #expect(breaker.openings == 2)
    }

    @Test("a probe that did not go is given back")
    func releasedProbe() {
        var breaker = CircuitBreaker(ForwardSpec.Breaker(failures: 1, cooldownMs: 100))
        breaker.failed(nowMillis: 0)
        #expect(breaker.permit(nowMillis: 100) == 0)
        breaker.releaseProbe()
        #expect(breaker.permit(nowMillis: 101) == 0)
    }

    @Test("the cool-down grows to at most 16 times the configured one")
    func cooldownCap() {
        var breaker = CircuitBreaker(ForwardSpec.Breaker(failures: 1, cooldownMs: 100))
        var now: Int64 = 0
        breaker.failed(nowMillis: now)
        var cooldowns: [Int64] = []
        for _ in 0..<7 {
            guard case .open(let until) = breaker.state else {
                Issue.record("not open")
                return
            }
            now = until
            #expect(breaker.permit(nowMillis: now) == 0)
            breaker.failed(nowMillis: now)
            guard case .open(let next) = breaker.state else {
                Issue.record("not open")
                return
            }
            cooldowns.append(next - now)
        }
        #expect(cooldowns == [200, 400, 800, 1_600, 1_600, 1_600, 1_600])
    }
}

@Suite("Idempotency keys and out-of-order commits")
struct KeysAndCommitsTests {
    @Test("keys depend on every record's bytes and order, and on nothing else")
    func contentKeys() {
        func key(_ values: [String]) -> String {
            var key = IdempotencyKey()
            for value in values { key.add(Array(value.utf8)) }
            return key.description
        }
        #expect(key(["a", "b"]) == key(["a", "b"]))
        #expect(key(["a", "b"]) != key(["b", "a"]))
        #expect(key(["ab"]) != key(["a", "b"]))
        #expect(key(["a"]) != key(["a", ""]))
        #expect(key(["12345678"]) != key(["12345679"]))
        #expect(key([]).count == 32)
        let many = (0..<10_000).map { key(["record \($0)"]) }
        #expect(Set(many).count == 10_000)
    }

    @Test("the contiguous fast path gives the same keys as the byte-by-byte one")
    func fastPathAgrees() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            var fast = IdempotencyKey()
            fast.add(bytes)
            var slow = IdempotencyKey()
            slow.add(bytes.lazy.map { $0 })  // not contiguous: the generic loop
            #expect(fast == slow, "length \(length)")
        }
    }

    @Test("the committed offset moves only past settled records, whatever order they settle in")
    func outOfOrderCommits() {
        var tracker = OffsetTracker()
        tracker.start(partition: 0, at: 100)
        for offset in Int64(100)..<110 { tracker.took(partition: 0, offset: offset) }
        #expect(tracker.committed(0) == 100)
        tracker.settled(partition: 0, offset: 105)
        tracker.settled(partition: 0, offset: 101)
        #expect(tracker.committed(0) == 100)
        tracker.settled(partition: 0, offset: 100)
        #expect(tracker.committed(0) == 102)
        for offset in Int64(102)..<110 where offset != 107 { tracker.settled(partition: 0, offset: offset) }
        #expect(tracker.committed(0) == 107)
        #expect(tracker.outstanding == 1)
        tracker.settled(partition: 0, offset: 107)
        #expect(tracker.committed(0) == 110)
        #expect(tracker.outstanding == 0)
    }

    @Test("skipped offsets count as settled, partitions are independent, settling twice is harmless")
    func gapsAndPartitions() {
        var tracker = OffsetTracker()
        tracker.start(partition: 0, at: 0)
        tracker.start(partition: 1, at: 50)
        tracker.took(partition: 0, offset: 3)
        tracker.took(partition: 1, offset: 50)
        #expect(tracker.committed(0) == 3)
        tracker.settled(partition: 0, offset: 3)
        tracker.settled(partition: 0, offset: 3)
        tracker.settled(partition: 0, offset: 999)
        #expect(tracker.committed(0) == 4)
        #expect(tracker.committed(1) == 50)
        tracker.settled(partition: 1, offset: 50)
        #expect(tracker.committed(1) == 51)
    }

    @Test("a long run in random settlement order ends fully committed")
    func randomOrder() {
        var tracker = OffsetTracker()
        tracker.start(partition: 0, at: 0)
        var generator = SplitMix(seed: 7)
        var open: [Int64] = []
        var committedSeen: Int64 = 0
        for offset in Int64(0)..<20_000 {
            tracker.took(partition: 0, offset: offset)
            open.append(offset)
            if open.count > 64 || offset == 19_999 {
                open.shuffle(using: &generator)
                for settled in open.prefix(open.count / 2) { tracker.settled(partition: 0, offset: settled) }
                open.removeFirst(open.count / 2)
                let committed = tracker.committed(0)!
                #expect(committed >= committedSeen)
                #expect(open.allSatisfy { $0 >= committed })
                committedSeen = committed
            }
        }
        for settled in open { tracker.settled(partition: 0, offset: settled) }
        #expect(tracker.committed(0) == 20_000)
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
