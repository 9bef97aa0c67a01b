import FlywheelTesting
import Testing

@testable import FlywheelEngine

/// A named record with the bytes that order it among records of its time.
struct Tied: EventTimeTieBreaking, Equatable {
    var name: String
    var tie: String

    func withTieBreakUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var tie = tie
        return tie.withUTF8(body)
    }
}

extension EventTimeOrderedBuffer where Element == Tied {
    mutating func insert(_ name: String, time: EventTime, tieBreak: String) {
        insert(Tied(name: name, tie: tieBreak), time: time)
    }
}

private func drain(_ buffer: inout EventTimeOrderedBuffer<Tied>, notAfter limit: EventTime) -> [String] {
    var released: [String] = []
    while let element = buffer.popFirst(notAfter: limit) { released.append(element.name) }
    return released
}

struct EventTimeOrderedBufferTests {
    /// After a burst, the slots it took are let go once few hold a record, and the records still held come
    /// out in the same order as without the compaction (times with ties, tie-breaks and arrivals).
    @Test func aBurstsSlotsAreLetGoAndTheOrderKept() {
        var buffer = EventTimeOrderedBuffer<Tied>()
        var generator = SeededGenerator(seed: 11)
        var expected: [(time: Int64, tie: String, arrival: Int, name: String)] = []
        for arrival in 0..<20_000 {
            let time = Int64.random(in: 0..<5_000, using: &generator)
            let tie = ["a", "b", "c"].randomElement(using: &generator)!
            let name = "\(time)-\(tie)-\(arrival)"
            buffer.insert(name, time: at(time), tieBreak: tie)
            expected.append((time, tie, arrival, name))
        }
        expected.sort { ($0.time, $0.tie, $0.arrival) < ($1.time, $1.tie, $1.arrival) }
        #expect(buffer.slotCount == 20_000)
        let released = drain(&buffer, notAfter: at(4_900))
        #expect(released == expected.prefix(released.count).map(\.name))
        #expect(buffer.slotCount < 20_000 / 4)
        #expect(buffer.slotCount >= buffer.count)
        // More records after the compaction take the new slots, and everything still comes out in order.
        for arrival in 20_000..<20_100 {
            let time = Int64.random(in: 4_900..<5_200, using: &generator)
            buffer.insert("\(time)-a-\(arrival)", time: at(time), tieBreak: "a")
            expected.append((time, "a", arrival, "\(time)-a-\(arrival)"))
        }
        let rest = Array(expected.dropFirst(released.count)).sorted {
            ($0.time, $0.tie, $0.arrival) < ($1.time, $1.tie, $1.arrival)
        }
        #expect(drain(&buffer, notAfter: .max) == rest.map(\.name))
        #expect(buffer.isEmpty)
    }

    @Test func releasesInTimeThenTieBreakThenArrivalOrder() {
        var buffer = EventTimeOrderedBuffer<Tied>()
        buffer.insert("t20-b", time: at(20), tieBreak: "b")
        buffer.insert("t10-z", time: at(10), tieBreak: "z")
        buffer.insert("t20-a-first", time: at(20), tieBreak: "a")
        buffer.insert("t5", time: at(5), tieBreak: "m")
        buffer.insert("t20-a-second", time: at(20), tieBreak: "a")
        buffer.insert("t20-a-third", time: at(20), tieBreak: "a")
        #expect(
            drain(&buffer, notAfter: .max) == ["t5", "t10-z", "t20-a-first", "t20-a-second", "t20-a-third", "t20-b"])
        #expect(buffer.isEmpty)
    }

    /// Tie-breaks compare by code points (CONTRACT 1, v1.1): "e" + U+0301 comes before U+00E9, though the
    /// two are equal as Swift Strings, whatever their arrival order.
    @Test func canonicallyEquivalentTieBreaksOrderByCodePoints() {
        var buffer = EventTimeOrderedBuffer<Tied>()
        buffer.insert("precomposed", time: at(20), tieBreak: "\u{E9}")
        buffer.insert("decomposed", time: at(20), tieBreak: "e\u{301}")
        #expect(drain(&buffer, notAfter: .max) == ["decomposed", "precomposed"])
    }

    @Test func popFirstReleasesOnlyUpToTheLimitInclusive() {
        var buffer = EventTimeOrderedBuffer<Tied>()
        for time: Int64 in [30, 10, 20, 40] { buffer.insert("\(time)", time: at(time), tieBreak: "") }
        #expect(buffer.popFirst(notAfter: at(9)) == nil)
        #expect(drain(&buffer, notAfter: at(20)) == ["10", "20"])
        #expect(buffer.count == 2)
        #expect(buffer.nextTime == at(30))
        #expect(buffer.popFirst(notAfter: at(29)) == nil)
        #expect(drain(&buffer, notAfter: at(40)) == ["30", "40"])
        #expect(buffer.popFirst(notAfter: .max) == nil)
    }

    @Test func emptyBufferHasNoNextTime() {
        var buffer = EventTimeOrderedBuffer<Tied>()
        #expect(buffer.isEmpty)
        #expect(buffer.count == 0)
        #expect(buffer.nextTime == nil)
        #expect(buffer.popFirst(notAfter: .max) == nil)
    }

    @Test func recordAtMinusInfinityIsReleasedByAnyLimit() {
        var buffer = EventTimeOrderedBuffer<Tied>()
        buffer.insert("first", time: .min, tieBreak: "")
        #expect(buffer.popFirst(notAfter: .min)?.name == "first")
    }

    @Test func releaseOrderDoesNotDependOnInterleavedPops() {
        var generator = SeededGenerator(seed: 5)
        var buffer = EventTimeOrderedBuffer<Tied>()
        var entries: [(time: Int64, tieBreak: String, arrival: Int)] = []
        var released: [Int] = []
        var limit: Int64 = 0
        for arrival in 0..<3000 {
            let time = limit + Int64.random(in: 0...200, using: &generator)
            let tieBreak = "id\(Int.random(in: 0..<5, using: &generator))"
            entries.append((time, tieBreak, arrival))
            buffer.insert("\(arrival)", time: at(time), tieBreak: tieBreak)
            if arrival % 7 == 0 {
                limit += Int64.random(in: 0...50, using: &generator)
                while let next = buffer.popFirst(notAfter: at(limit)) { released.append(Int(next.name)!) }
            }
        }
        while let next = buffer.popFirst(notAfter: .max) { released.append(Int(next.name)!) }
        let expected = entries.sorted { ($0.time, $0.tieBreak, $0.arrival) < ($1.time, $1.tieBreak, $1.arrival) }
        #expect(released == expected.map(\.arrival))
    }

    /// A mostly ordered stream with late records, equal times and tie-breaks out of order among them, released
    /// while records still arrive: each release is the earliest pending record by (time, tie-break bytes,
    /// arrival), as a plain search over the pending ones finds.
    @Test func aMostlyOrderedStreamWithLateRecordsComesOutInOrder() {
        var generator = SeededGenerator(seed: 23)
        var buffer = EventTimeOrderedBuffer<Tied>()
        var pending: [(time: Int64, tie: [UInt8], arrival: Int)] = []
        func precedes(_ a: (time: Int64, tie: [UInt8], arrival: Int), _ b: (time: Int64, tie: [UInt8], arrival: Int))
            -> Bool
        {
            if a.time != b.time { return a.time < b.time }
            if a.tie != b.tie { return a.tie.lexicographicallyPrecedes(b.tie) }
            return a.arrival < b.arrival
        }
        func expectedRelease(notAfter limit: Int64) -> [Int] {
            var out: [Int] = []
            while let best = pending.indices.filter({ pending[$0].time <= limit }).min(by: {
                precedes(pending[$0], pending[$1])
            }) {
                out.append(pending.remove(at: best).arrival)
            }
            return out
        }
        var clock: Int64 = 0
        for arrival in 0..<3_000 {
            clock += Int64.random(in: 0...3, using: &generator)
            let late = Int.random(in: 0..<10, using: &generator) == 0
            let time = late ? clock - Int64.random(in: 1...40, using: &generator) : clock
            let tie = ["a", "b", "c", "\u{E9}", "e\u{301}"].randomElement(using: &generator)!
            pending.append((time, Array(tie.utf8), arrival))
            buffer.insert("\(arrival)", time: at(time), tieBreak: tie)
            #expect(buffer.count == pending.count)
            if arrival % 50 == 49 {
                var released: [Int] = []
                while let next = buffer.popFirst(notAfter: at(clock - 30)) { released.append(Int(next.name)!) }
                #expect(released == expectedRelease(notAfter: clock - 30), "at arrival \(arrival)")
            }
        }
        var rest: [Int] = []
        while let next = buffer.popFirst(notAfter: .max) { rest.append(Int(next.name)!) }
        #expect(rest == expectedRelease(notAfter: .max))
        #expect(buffer.isEmpty && buffer.nextTime == nil)
    }

    @Test func releasedRecordIsNotKeptAlive() {
        final class Record: EventTimeTieBreaking {
            func withTieBreakUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
                body(UnsafeBufferPointer(start: nil, count: 0))
            }
        }
        var buffer = EventTimeOrderedBuffer<Record>()
        weak var released: Record?
        do {
            let record = Record()
            released = record
            buffer.insert(record, time: at(1))
            buffer.insert(Record(), time: at(2))
            _ = buffer.popFirst(notAfter: at(1))
        }
        #expect(released == nil)
        #expect(buffer.count == 1)
    }
}
