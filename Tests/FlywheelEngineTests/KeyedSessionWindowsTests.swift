import FlywheelTesting
import Testing

@testable import FlywheelEngine

/// A key whose hash the test chooses, so that tests can make different keys collide.
private struct TestKey: Equatable, KeyGroupHashable {
    var name: String
    var stableHash: UInt64
}

/// Drives a `KeyedSessionWindows` and records every firing.
private struct SessionHarness {
    var sessions: KeyedSessionWindows<TestKey, SumAccumulator>
    var firings: [Firing] = []
    let hash: (String) -> UInt64

    init(gapMs: Int64, allowedLatenessMs: Int64 = 0, hash: @escaping (String) -> UInt64 = { StableHash.hash($0) }) {
        sessions = KeyedSessionWindows(gapMs: gapMs, allowedLatenessMs: allowedLatenessMs)
        self.hash = hash
    }

    mutating func add(_ value: Int = 1, key: String = "k", at millis: Int64) {
        var fired: [Firing] = []
        sessions.add(value, key: TestKey(name: key, stableHash: hash(key)), at: at(millis)) { key, w, acc in
            fired.append(Firing(window: w, key: key.name, total: acc.total, count: acc.count))
        }
        firings += fired
    }

    /// Advances the watermark and returns what fired, sorted by window then key.
    @discardableResult
    mutating func advance(to millis: Int64) -> [Firing] {
        var fired: [Firing] = []
        sessions.advance(to: at(millis)) { key, w, acc in
            fired.append(Firing(window: w, key: key.name, total: acc.total, count: acc.count))
        }
        fired.sort { ($0.window, $0.key) < ($1.window, $1.key) }
        firings += fired
        return fired
    }
}

private func session(_ start: Int64, _ end: Int64, _ key: String = "k", total: Int, count: Int) -> Firing {
    Firing(window: window(start, end), key: key, total: total, count: count)
}

struct KeyedSessionWindowsTests {
    static let gap: Int64 = 30 * 60_000

    @Test func singleEventSessionSpansOneGap() {
        var h = SessionHarness(gapMs: Self.gap)
        h.add(at: 1000)
        #expect(h.advance(to: 1000 + Self.gap - 2).isEmpty)
        #expect(h.advance(to: 1000 + Self.gap - 1) == [session(1000, 1000 + Self.gap, total: 1, count: 1)])
        #expect(h.sessions.openKeys == 0)
    }

    @Test func eventsExactlyOneGapApartShareASession() {
        var h = SessionHarness(gapMs: Self.gap)
        h.add(1, at: 0)
        h.add(2, at: Self.gap)
        #expect(h.advance(to: .max) == [session(0, 2 * Self.gap, total: 3, count: 2)])
    }

    @Test func eventsMoreThanOneGapApartOpenTwoSessions() {
        var h = SessionHarness(gapMs: Self.gap)
        h.add(1, at: 0)
        h.add(2, at: Self.gap + 1)
        #expect(h.advance(to: Self.gap - 1) == [session(0, Self.gap, total: 1, count: 1)])
        #expect(h.advance(to: .max) == [session(Self.gap + 1, 2 * Self.gap + 1, total: 2, count: 1)])
    }

    @Test func outOfOrderEventBridgesTwoSessionsIntoOne() {
        var h = SessionHarness(gapMs: Self.gap)
        h.add(1, at: 0)
        h.add(2, at: 2 * Self.gap)
        h.add(4, at: Self.gap)
        let last = 2 * Self.gap
        #expect(h.advance(to: last + Self.gap - 2).isEmpty)
        #expect(h.advance(to: last + Self.gap - 1) == [session(0, last + Self.gap, total: 7, count: 3)])
    }

    @Test func bridgeDoesNotDependOnArrivalOrder() {
        let times: [Int64] = [0, 10 * 60_000, 35 * 60_000, 60 * 60_000, 200 * 60_000]
        var expected: [Firing]?
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<20 {
            var h = SessionHarness(gapMs: Self.gap)
            for time in times.shuffled(using: &generator) { h.add(Int(time / 60_000), at: time) }
            let fired = h.advance(to: .max)
            if let expected { #expect(fired == expected) }
            expected = fired
        }
        #expect(
            expected == [
                session(0, 90 * 60_000, total: 105, count: 4),
                session(200 * 60_000, 230 * 60_000, total: 200, count: 1),
            ])
    }

    @Test func keysHaveSeparateSessions() {
        var h = SessionHarness(gapMs: 100)
        h.add(1, key: "a", at: 0)
        h.add(10, key: "b", at: 50)
        #expect(h.sessions.openKeys == 2)
        #expect(h.advance(to: 99) == [session(0, 100, "a", total: 1, count: 1)])
        #expect(h.advance(to: 149) == [session(50, 150, "b", total: 10, count: 1)])
        #expect(h.sessions.openKeys == 0)
    }

    @Test func manyOpenKeysEachFireOnce() {
        var h = SessionHarness(gapMs: 100)
        for key in 0..<1000 { h.add(key, key: "k\(key)", at: Int64(key % 7)) }
        #expect(h.sessions.openKeys == 1000)
        let fired = h.advance(to: .max)
        #expect(fired.count == 1000)
        #expect(Set(fired.map(\.key)).count == 1000)
        for firing in fired {
            let start = Int64(firing.total % 7)
            #expect(firing.key == "k\(firing.total)" && firing.window == window(start, start + 100))
        }
        #expect(h.sessions.openKeys == 0)
    }

    @Test func extendingEventDelaysTheFiring() {
        var h = SessionHarness(gapMs: 100)
        h.add(1, at: 0)
        h.advance(to: 50)
        h.add(1, at: 80)
        #expect(h.advance(to: 99).isEmpty)
        #expect(h.advance(to: 179) == [session(0, 180, total: 2, count: 2)])
    }

    @Test func watermarkNeverRegresses() {
        var h = SessionHarness(gapMs: 100)
        h.advance(to: 500)
        h.advance(to: 10)
        #expect(h.sessions.watermark == at(500))
    }

    @Test func lateEventMergingIntoAFiredSessionFiresItAgainAtOnce() {
        var h = SessionHarness(gapMs: 100, allowedLatenessMs: 50)
        h.add(1, at: 0)
        #expect(h.advance(to: 99) == [session(0, 100, total: 1, count: 1)])
        h.add(2, at: 0)
        #expect(h.firings.last == session(0, 100, total: 3, count: 2))
        #expect(h.firings.count == 2)
        #expect(h.sessions.openKeys == 1)
    }

    @Test func lateEventExtendingAFiredSessionPastTheWatermarkWaitsForTheNewEnd() {
        var h = SessionHarness(gapMs: 100, allowedLatenessMs: 50)
        h.add(1, at: 0)
        h.advance(to: 120)
        h.add(2, at: 90)
        #expect(h.firings.count == 1)
        #expect(h.advance(to: 188).isEmpty)
        #expect(h.advance(to: 189) == [session(0, 190, total: 3, count: 2)])
    }

    @Test func firedSessionIsDroppedWhenWatermarkReachesEndMinusOnePlusLateness() {
        var h = SessionHarness(gapMs: 100, allowedLatenessMs: 50)
        h.add(1, at: 0)
        h.advance(to: 148)
        #expect(h.sessions.openKeys == 1)
        h.advance(to: 149)
        #expect(h.sessions.openKeys == 0)
        h.add(5, at: 60)
        #expect(h.firings.count == 1)
        #expect(h.advance(to: 159) == [session(60, 160, total: 5, count: 1)])
    }

    @Test func firedSessionIsDroppedAtOnceWithoutLateness() {
        var h = SessionHarness(gapMs: 100)
        h.add(1, at: 0)
        h.advance(to: 99)
        h.add(1, at: 150)
        #expect(h.advance(to: .max) == [session(150, 250, total: 1, count: 1)])
    }

    @Test func sessionIsNotFiredTwiceByLaterWatermarks() {
        var h = SessionHarness(gapMs: 100, allowedLatenessMs: 50)
        h.add(1, at: 0)
        h.advance(to: 99)
        h.advance(to: 120)
        h.advance(to: .max)
        #expect(h.firings.count == 1)
    }

    @Test func lateEventBridgingTwoFiredSessionsFiresTheMergedSessionOnce() {
        var h = SessionHarness(gapMs: 100, allowedLatenessMs: 1000)
        h.add(1, at: 0)
        h.add(2, at: 150)
        h.advance(to: 300)
        #expect(h.firings.count == 2)
        h.add(4, at: 100)
        #expect(h.firings.count == 3)
        #expect(h.firings.last == session(0, 250, total: 7, count: 3))
        h.advance(to: 1248)
        #expect(h.sessions.openKeys == 1)
        h.advance(to: 1249)
        #expect(h.sessions.openKeys == 0)
    }

    /// How the brute-force test hashes its keys: as in production, or so that keys collide.
    enum KeyHashing: CaseIterable {
        case stable, twoValues, constant

        func hash(_ key: String) -> UInt64 {
            switch self {
            case .stable: StableHash.hash(key)
            case .twoValues: UInt64(key.utf8.count % 2) << 40
            case .constant: 42
            }
        }
    }

    @Test(arguments: KeyHashing.allCases, [3, 400])
    func sessionsMatchABruteForceModel(hashing: KeyHashing, keyCount: Int) {
        var generator = SeededGenerator(seed: 2024)
        let gap: Int64 = 300
        let outOfOrderness: Int64 = 500
        var h = SessionHarness(gapMs: gap, hash: hashing.hash)
        let keys = (0..<keyCount).map { "key\($0)" }
        var accepted: [String: [Int64]] = [:]
        var maxSeen = Int64.min
        for step in 0..<3000 {
            let time = Int64(step) * 40 + Int64.random(in: -600...0, using: &generator)
            let key = keys.randomElement(using: &generator)!
            let watermark = maxSeen == .min ? Int64.min : maxSeen - outOfOrderness - 1
            guard time > watermark else { continue }
            h.add(1, key: key, at: time)
            accepted[key, default: []].append(time)
            maxSeen = Swift.max(maxSeen, time)
            h.advance(to: maxSeen - outOfOrderness - 1)
        }
        h.advance(to: .max)
        var expected: [Firing] = []
        for (key, times) in accepted {
            var sorted = times.sorted()[...]
            while let first = sorted.popFirst() {
                var last = first
                var count = 1
                while let next = sorted.first, next <= last + gap {
                    last = next
                    count += 1
                    sorted.removeFirst()
                }
                expected.append(session(first, last + gap, key, total: count, count: count))
            }
        }
        let order: (Firing, Firing) -> Bool = { ($0.key, $0.window) < ($1.key, $1.window) }
        #expect(h.firings.sorted(by: order) == expected.sorted(by: order))
        #expect(expected.count > 100)
        #expect(h.sessions.openKeys == 0)
    }
}
