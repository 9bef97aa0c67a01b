import FlywheelEngine
import Testing

@testable import FlywheelSignals

private func record(_ kind: RecordKind, _ key: OutputSortKey, _ tag: String) -> SignalRecord {
    SignalRecord(kind: kind, key: key, line: Array(tag.utf8))
}

private func drain(_ output: inout OrderedOutput) -> [String] {
    var written: [String] = []
    output.drainReady { written.append(String(decoding: $0.line, as: UTF8.self)) }
    return written
}

struct OrderedOutputTests {
    @Test func recordsOfAKindAreWrittenInSortKeyOrder() {
        var output = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        let records = [
            record(.preferencePair, OutputSortKey(20, 0, "e2", "a:b"), "third"),
            record(.preferencePair, OutputSortKey(10, 0, "e9", "a:b"), "first"),
            record(.preferencePair, OutputSortKey(20, 0, "e1", "z:y"), "second"),
            record(.preferencePair, OutputSortKey(20, 0, "e2", "b:c"), "fourth"),
        ]
        output.add(records, shard: 0, watermark: .max, sequence: 1)
        #expect(drain(&output) == ["first", "second", "third", "fourth"])
        #expect(output.pendingCount == 0)
    }

    @Test func equalKeysKeepArrivalOrder() {
        var output = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        let key = OutputSortKey(5, 0, "x")
        output.add(
            [record(.sftExample, key, "a"), record(.sftExample, key, "b")], shard: 0, watermark: .max, sequence: 1)
        output.add([record(.sftExample, key, "c")], shard: 0, watermark: .max, sequence: 2)
        #expect(drain(&output) == ["a", "b", "c"])
    }

    @Test(arguments: [(watermark: Int64(99), released: false), (watermark: 100, released: true)])
    func pairIsReleasedOnceTheWatermarkReachesItsTimestamp(watermark: Int64, released: Bool) {
        var output = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        output.add(
            [record(.preferencePair, OutputSortKey(100, 0, "e", "a:b"), "pair")], shard: 0,
            watermark: EventTime(millis: watermark), sequence: 1)
        #expect(drain(&output) == (released ? ["pair"] : []))
    }

    /// A window or session record keyed by its end E is final when W >= E - 1.
    @Test(arguments: [RecordKind.modelQuality, .qualityAlert, .conversationSummary, .sftExample])
    func windowRecordIsReleasedWhenTheWatermarkReachesItsEndMinusOne(kind: RecordKind) {
        var output = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        output.add(
            [record(kind, OutputSortKey(60_000), "w")], shard: 0, watermark: EventTime(millis: 59_998), sequence: 1)
        #expect(drain(&output).isEmpty)
        output.add([], shard: 0, watermark: EventTime(millis: 59_999), sequence: 2)
        #expect(drain(&output) == ["w"])
    }

    @Test func allowedLatenessHoldsRecordsBackByTheSameAmount() {
        var output = OrderedOutput(shards: 1, allowedLatenessMs: 1_000)
        output.add(
            [record(.modelQuality, OutputSortKey(60_000), "w"), record(.preferencePair, OutputSortKey(100), "p")],
            shard: 0, watermark: EventTime(millis: 1_099), sequence: 1)
        #expect(drain(&output).isEmpty)
        output.add([], shard: 0, watermark: EventTime(millis: 1_100), sequence: 2)
        #expect(drain(&output) == ["p"])
        output.add([], shard: 0, watermark: EventTime(millis: 60_998), sequence: 3)
        #expect(drain(&output).isEmpty)
        output.add([], shard: 0, watermark: EventTime(millis: 60_999), sequence: 4)
        #expect(drain(&output) == ["w"])
    }

    @Test func deadLettersWaitForEveryShardToPassTheirInputElement() {
        var output = OrderedOutput(shards: 2, allowedLatenessMs: 0)
        output.addSide([record(.deadLetter, OutputSortKey(3), "invalid line 3")])
        output.add(
            [record(.deadLetter, OutputSortKey(2, 10, "e"), "unresolved after 2")], shard: 0, watermark: .min,
            sequence: 5)
        #expect(drain(&output).isEmpty)
        output.add([], shard: 1, watermark: .min, sequence: 2)
        #expect(drain(&output) == ["unresolved after 2"])
        output.add([], shard: 1, watermark: .min, sequence: 3)
        #expect(drain(&output) == ["invalid line 3"])
    }

    @Test func lateEventsAreReleasedAtOnceInArrivalOrder() {
        var output = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        output.addSide([record(.lateEvent, OutputSortKey(7), "late 7"), record(.lateEvent, OutputSortKey(9), "late 9")])
        #expect(drain(&output) == ["late 7", "late 9"])
    }

    @Test func slowestShardHoldsBackSignals() {
        var output = OrderedOutput(shards: 2, allowedLatenessMs: 0)
        output.add(
            [record(.preferencePair, OutputSortKey(100), "p")], shard: 0, watermark: EventTime(millis: 500), sequence: 9
        )
        #expect(drain(&output).isEmpty)
        output.add([], shard: 1, watermark: EventTime(millis: 99), sequence: 9)
        #expect(drain(&output).isEmpty)
        output.add([], shard: 1, watermark: EventTime(millis: 100), sequence: 9)
        #expect(drain(&output) == ["p"])
    }

    @Test func watermarkOfAShardNeverRegresses() {
        var output = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        output.add([], shard: 0, watermark: EventTime(millis: 100), sequence: 1)
        output.add(
            [record(.preferencePair, OutputSortKey(100), "p")], shard: 0, watermark: EventTime(millis: 50), sequence: 2)
        #expect(drain(&output) == ["p"])
    }

    @Test func drainAllWritesEverythingInKeyOrder() {
        var output = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        output.add(
            [
                record(.conversationSummary, OutputSortKey(9, 0, "b"), "b"),
                record(.conversationSummary, OutputSortKey(9, 0, "a"), "a"),
            ],
            shard: 0, watermark: .min, sequence: 0)
        var written: [String] = []
        output.drainAll { written.append(String(decoding: $0.line, as: UTF8.self)) }
        #expect(written == ["a", "b"])
        #expect(output.pendingCount == 0)
    }

    @Test func releasingIsIndependentOfHowRecordsAreSplitAcrossCalls() {
        let keys: [Int64] = [50, 10, 40, 20, 30]
        var once = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        once.add(
            keys.map { record(.preferencePair, OutputSortKey($0), "\($0)") }, shard: 0, watermark: .max, sequence: 1)
        var stepwise = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        var written: [String] = []
        for (index, key) in keys.enumerated() {
            stepwise.add(
                [record(.preferencePair, OutputSortKey(key), "\(key)")], shard: 0, watermark: .min,
                sequence: Int64(index))
            written += drain(&stepwise)
        }
        stepwise.add([], shard: 0, watermark: .max, sequence: 9)
        written += drain(&stepwise)
        #expect(drain(&once) == written)
        #expect(written == ["10", "20", "30", "40", "50"])
    }

    /// Ids are compared as strings of code points (UTF-8 byte order, as Python sorts them and as
    /// `ConversationOperator` orders SFT ties): U+00C6 sorts before U+212B (ANGSTROM SIGN).
    @Test func textKeysSortByCodePointsNotByCanonicalEquivalence() {
        var output = OrderedOutput(shards: 1, allowedLatenessMs: 0)
        let angstrom = record(.conversationSummary, OutputSortKey(9, 0, "\u{212B}"), "angstrom")
        let ae = record(.conversationSummary, OutputSortKey(9, 0, "\u{C6}"), "ae")
        output.add([angstrom, ae], shard: 0, watermark: .max, sequence: 1)
        let written = drain(&output)
        #expect(written == ["ae", "angstrom"])
    }
}
