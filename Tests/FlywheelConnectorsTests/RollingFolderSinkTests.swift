import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
import Testing

/// The folder sink's layout, rolling and commits, on a manual clock (see README "Folder sink layout").
struct RollingFolderSinkTests {
    private typealias F = FolderSinkFixture

    @Test func aFileRollsOnceItReachesRollBytes() async throws {
        let fixture = try F("folder-sink-size")
        defer { fixture.folder.remove() }
        let sink = try fixture.sink(rollBytes: 192)
        try await sink.restore(nil)
        let records = F.records(.modelQuality, 0..<7)
        try await sink.write(records)
        try await sink.flush()
        // Three 64-byte lines reach 192 bytes: files 1 and 2 closed (pending), file 3 open.
        #expect(fixture.names(.modelQuality) == [1, 2, 3].map { fixture.part($0, inProgress: true) })
        _ = try await sink.snapshot(checkpoint: 1, closing: false)
        try await sink.commit(checkpoint: 1)
        #expect(fixture.names(.modelQuality) == [fixture.part(1), fixture.part(2), fixture.part(3, inProgress: true)])
        #expect(try fixture.bytes(.modelQuality, fixture.part(1)).count == 192)
        #expect(try fixture.committedLines(.modelQuality) == F.lines(Array(records.prefix(6))))
    }

    @Test func aRecordLargerThanRollBytesGetsAFileOfItsOwn() async throws {
        let fixture = try F("folder-sink-large")
        defer { fixture.folder.remove() }
        let sink = try fixture.sink(rollBytes: 100)
        try await sink.restore(nil)
        let records = [F.record(.sftExample, 0), F.record(.sftExample, 1, lineBytes: 300), F.record(.sftExample, 2)]
        try await sink.write(records)
        try await sink.close(.finished(summary: "{}"))
        #expect(fixture.names(.sftExample) == [1, 2, 3].map { fixture.part($0) })
        #expect(try fixture.bytes(.sftExample, fixture.part(2)) == records[1].line)
        #expect(try fixture.committedLines(.sftExample) == F.lines(records))
    }

    @Test func aFileRollsAfterRollAgeOnFlushAndOnWrite() async throws {
        let fixture = try F("folder-sink-age")
        defer { fixture.folder.remove() }
        let sink = try fixture.sink(rollAgeMs: 1000)
        try await sink.restore(nil)
        try await sink.write(F.records(.qualityAlert, 0..<2))
        fixture.clock.advance(by: .milliseconds(999))
        try await sink.flush()
        #expect(fixture.names(.qualityAlert) == [fixture.part(1, inProgress: true)])
        fixture.clock.advance(by: .milliseconds(1))
        try await sink.flush()
        // Closed (pending) by the flush; no new file before the next record.
        _ = try await sink.snapshot(checkpoint: 1, closing: false)
        try await sink.commit(checkpoint: 1)
        #expect(fixture.names(.qualityAlert) == [fixture.part(1)])
        try await sink.write(F.records(.qualityAlert, 2..<3))
        fixture.clock.advance(by: .milliseconds(1500))
        // The write finds file 2 past its age: it closes, and the record opens file 3.
        try await sink.write(F.records(.qualityAlert, 3..<4))
        #expect(fixture.inProgressNames(.qualityAlert) == [2, 3].map { fixture.part($0, inProgress: true) })
        #expect(try fixture.bytes(.qualityAlert, fixture.part(2, inProgress: true)).count == 64)
        // A kind without records never opens a file, whatever the clock does.
        #expect(fixture.names(.deadLetter).isEmpty)
        try await sink.close(.finished(summary: "{}"))
        #expect(try fixture.committedLines(.qualityAlert) == F.lines(F.records(.qualityAlert, 0..<4)))
    }

    @Test func sortedFinalNamesGiveTheReleaseOrder() async throws {
        let fixture = try F("folder-sink-order")
        defer { fixture.folder.remove() }
        let sink = try fixture.sink(rollBytes: 64)
        try await sink.restore(nil)
        let records = F.records(.preferencePair, 0..<23)
        for (index, record) in records.enumerated() {
            try await sink.write([record])
            if index % 5 == 4 {
                _ = try await sink.snapshot(checkpoint: Int64(index), closing: false)
                try await sink.commit(checkpoint: Int64(index))
            }
        }
        try await sink.close(.finished(summary: "{}"))
        #expect(fixture.finalNames(.preferencePair).count == 23)
        #expect(fixture.finalNames(.preferencePair).first == "part-0000000001.jsonl")
        #expect(fixture.finalNames(.preferencePair).last == "part-0000000023.jsonl")
        #expect(try fixture.committedLines(.preferencePair) == F.lines(records))
    }

    @Test func eachKindHasAFolderCreatedByItsFirstRecord() async throws {
        let fixture = try F("folder-sink-kinds")
        defer { fixture.folder.remove() }
        let sink = try fixture.sink()
        try await sink.restore(nil)
        #expect(try fixture.tree().isEmpty)
        try await sink.write([F.record(.deadLetter, 0), F.record(.modelQuality, 1), F.record(.deadLetter, 2)])
        _ = try await sink.snapshot(checkpoint: 1, closing: true)
        try await sink.commit(checkpoint: 1)
        #expect(
            try fixture.tree().keys.sorted() == ["dead_letter/" + fixture.part(1), "model_quality/" + fixture.part(1)])
        #expect(
            try fixture.committedLines(.deadLetter) == F.lines([F.record(.deadLetter, 0), F.record(.deadLetter, 2)]))
    }

    @Test func filesClosedAfterASnapshotWaitForTheNextCheckpoint() async throws {
        let fixture = try F("folder-sink-wait")
        defer { fixture.folder.remove() }
        let sink = try fixture.sink(rollBytes: 128)
        try await sink.restore(nil)
        try await sink.write(F.records(.modelQuality, 0..<3))  // file 1 closed, file 2 open
        _ = try await sink.snapshot(checkpoint: 1, closing: false)
        try await sink.write(F.records(.modelQuality, 3..<6))  // file 2 closed, file 3 closed
        try await sink.commit(checkpoint: 1)
        #expect(fixture.finalNames(.modelQuality) == [fixture.part(1)])
        #expect(fixture.inProgressNames(.modelQuality) == [2, 3].map { fixture.part($0, inProgress: true) })
        _ = try await sink.snapshot(checkpoint: 2, closing: false)
        try await sink.commit(checkpoint: 2)
        #expect(fixture.names(.modelQuality) == [1, 2, 3].map { fixture.part($0) })
    }

    @Test func aClosingSnapshotLeavesNothingInProgressAfterItsCommit() async throws {
        let fixture = try F("folder-sink-closing")
        defer { fixture.folder.remove() }
        let sink = try fixture.sink(rollBytes: 128)
        try await sink.restore(nil)
        try await sink.write(F.records(.modelQuality, 0..<3) + F.records(.lateEvent, 0..<1))
        _ = try await sink.snapshot(checkpoint: 7, closing: true)
        #expect(fixture.inProgressNames(.lateEvent) == [fixture.part(1, inProgress: true)])
        try await sink.commit(checkpoint: 7)
        try await sink.close(.stopped)
        #expect(try fixture.tree().keys.allSatisfy { $0.hasSuffix(".jsonl") })
        #expect(try fixture.committedLines(.modelQuality) == F.lines(F.records(.modelQuality, 0..<3)))
        #expect(try fixture.committedLines(.lateEvent) == F.lines(F.records(.lateEvent, 0..<1)))
    }

    @Test func badSettingsAreRefused() throws {
        let fixture = try F("folder-sink-settings")
        defer { fixture.folder.remove() }
        #expect(throws: ConnectorError.self) { try fixture.sink(rollBytes: 0) }
        #expect(throws: ConnectorError.self) { try fixture.sink(rollAgeMs: 0) }
    }
}
