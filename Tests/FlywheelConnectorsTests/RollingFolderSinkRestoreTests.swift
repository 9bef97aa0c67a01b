import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
import Testing

/// The folder sink after a crash: `restore` from a checkpoint's state brings the folder back to
/// that checkpoint, and writing the records after it again leaves each record exactly once.
struct RollingFolderSinkRestoreTests {
    private typealias F = FolderSinkFixture
    private static let kind = RecordKind.modelQuality

    /// Writes records 0..<3 (rollBytes 128, two lines a file: file 1 closed, file 2 open with one line),
    /// snapshots checkpoint 1, then writes 3..<11 (file 2 rolls, files 3-5 closed, file 6 open) and crashes:
    /// the sink is dropped without a commit, its buffers lost.
    private static func crashAfterCheckpoint(_ fixture: F, commit: Bool = false) async throws -> [UInt8] {
        let sink = try fixture.sink(rollBytes: 128)
        try await sink.restore(nil)
        try await sink.write(F.records(kind, 0..<3))
        let state = try await sink.snapshot(checkpoint: 1, closing: false)
        if commit { try await sink.commit(checkpoint: 1) }
        try await sink.write(F.records(kind, 3..<11))
        try await sink.flush()
        return state
    }

    @Test func restoreBringsTheFolderBackToTheCheckpoint() async throws {
        let fixture = try F("folder-sink-crash")
        defer { fixture.folder.remove() }
        let state = try await Self.crashAfterCheckpoint(fixture)
        #expect(fixture.inProgressNames(Self.kind).count == 6)
        let sink = try fixture.sink(rollBytes: 128)
        try await sink.restore(state)
        // File 1 was pending at the checkpoint: finished now. File 2 cut back to its one line.
        #expect(fixture.names(Self.kind) == [fixture.part(1), fixture.part(2, inProgress: true)])
        #expect(try fixture.committedLines(Self.kind) == F.lines(F.records(Self.kind, 0..<2)))
        #expect(try fixture.bytes(Self.kind, fixture.part(2, inProgress: true)) == F.record(Self.kind, 2).line)
        // The job writes the records after the checkpoint again: each ends up once, in order.
        try await sink.write(F.records(Self.kind, 3..<11))
        let next = try await sink.snapshot(checkpoint: 2, closing: false)
        try await sink.commit(checkpoint: 2)
        #expect(fixture.finalNames(Self.kind) == [1, 2, 3, 4, 5].map { fixture.part($0) })
        try await sink.close(.stopped)
        // And once more from checkpoint 2, then to the end.
        let again = try fixture.sink(rollBytes: 128)
        try await again.restore(next)
        try await again.write(F.records(Self.kind, 11..<15))
        try await again.close(.finished(summary: "{}"))
        #expect(fixture.inProgressNames(Self.kind).isEmpty)
        #expect(try fixture.committedLines(Self.kind) == F.lines(F.records(Self.kind, 0..<15)))
    }

    @Test func aPendingFileRenamedBeforeTheCrashIsKept() async throws {
        let fixture = try F("folder-sink-renamed")
        defer { fixture.folder.remove() }
        let state = try await Self.crashAfterCheckpoint(fixture, commit: true)
        #expect(fixture.finalNames(Self.kind) == [fixture.part(1)])
        let sink = try fixture.sink(rollBytes: 128)
        try await sink.restore(state)
        #expect(fixture.names(Self.kind) == [fixture.part(1), fixture.part(2, inProgress: true)])
        try await sink.write(F.records(Self.kind, 3..<11))
        try await sink.close(.finished(summary: "{}"))
        #expect(try fixture.committedLines(Self.kind) == F.lines(F.records(Self.kind, 0..<11)))
    }

    @Test func aRestoreInterruptedByACrashIsDoneAgain() async throws {
        let fixture = try F("folder-sink-twice")
        defer { fixture.folder.remove() }
        let state = try await Self.crashAfterCheckpoint(fixture)
        try await fixture.sink(rollBytes: 128).restore(state)
        let once = try fixture.tree()
        try await fixture.sink(rollBytes: 128).restore(state)
        #expect(try fixture.tree() == once)
    }

    @Test func aMissingOrShortOpenFileIsAnErrorNamingIt() async throws {
        for length in [nil, 10] as [Int?] {
            let fixture = try F("folder-sink-short")
            defer { fixture.folder.remove() }
            let state = try await Self.crashAfterCheckpoint(fixture)
            fixture.damage(Self.kind, fixture.part(2, inProgress: true), length: length)
            let error = await #expect(throws: ConnectorError.self) {
                try await fixture.sink(rollBytes: 128).restore(state)
            }
            #expect(error?.code == .checkpointMismatch)
            #expect(error?.message.contains("model_quality/" + fixture.part(2, inProgress: true)) == true)
            // Nothing changed before the check failed: file 1 is still pending.
            #expect(fixture.finalNames(Self.kind).isEmpty)
        }
    }

    @Test func aFailedRestoreChangesNoKind() async throws {
        let fixture = try F("folder-sink-nochange")
        defer { fixture.folder.remove() }
        let sink = try fixture.sink(rollBytes: 128)
        try await sink.restore(nil)
        try await sink.write(F.records(.modelQuality, 0..<3) + F.records(.deadLetter, 0..<1))
        let state = try await sink.snapshot(checkpoint: 1, closing: false)
        fixture.damage(.deadLetter, fixture.part(1, inProgress: true), length: nil)
        let before = try fixture.tree()
        await #expect(throws: ConnectorError.self) { try await fixture.sink(rollBytes: 128).restore(state) }
        // model_quality's pending file 1 would be finished by a restore: a failed one leaves it.
        #expect(try fixture.tree() == before)
    }

    @Test func aFinalFilePastTheCheckpointIsAnErrorNamingIt() async throws {
        let fixture = try F("folder-sink-foreign")
        defer { fixture.folder.remove() }
        let state = try await Self.crashAfterCheckpoint(fixture)
        try fixture.plant(Self.kind, fixture.part(9))
        let error = await #expect(throws: ConnectorError.self) { try await fixture.sink(rollBytes: 128).restore(state) }
        #expect(error?.code == .checkpointMismatch)
        #expect(error?.message.contains(fixture.part(9)) == true)
    }

    @Test func filesFinishedAfterTheCheckpointAreRefusedByItsRestore() async throws {
        let fixture = try F("folder-sink-finished")
        defer { fixture.folder.remove() }
        let sink = try fixture.sink(rollBytes: 128)
        try await sink.restore(nil)
        try await sink.write(F.records(Self.kind, 0..<3))
        let state = try await sink.snapshot(checkpoint: 1, closing: false)
        try await sink.close(.finished(summary: "{}"))
        // The open file of checkpoint 1 got its final name without a checkpoint covering it.
        let error = await #expect(throws: ConnectorError.self) { try await fixture.sink(rollBytes: 128).restore(state) }
        #expect(error?.code == .checkpointMismatch)
        #expect(error?.message.contains(fixture.part(2)) == true)
    }

    @Test func aFirstRunRemovesInProgressLeftoversAndKeepsOtherFiles() async throws {
        let fixture = try F("folder-sink-first")
        defer { fixture.folder.remove() }
        _ = try await Self.crashAfterCheckpoint(fixture)  // the checkpoint never completed
        try fixture.plant(Self.kind, "notes.txt", "mine\n")
        try await fixture.sink(rollBytes: 128).restore(nil)
        #expect(fixture.names(Self.kind) == ["notes.txt"])
    }

    @Test func aFirstRunRefusesAFolderWithCommittedFiles() async throws {
        let fixture = try F("folder-sink-committed")
        defer { fixture.folder.remove() }
        try fixture.plant(.sftExample, fixture.part(1))
        let error = await #expect(throws: ConnectorError.self) { try await fixture.sink().restore(nil) }
        #expect(error?.code == .outputNotEmpty)
        #expect(error?.message.contains("sft_example/" + fixture.part(1)) == true)
    }

    @Test func aDamagedStateIsRefused() async throws {
        let fixture = try F("folder-sink-state")
        defer { fixture.folder.remove() }
        let state = try await Self.crashAfterCheckpoint(fixture)
        for bad in [Array(state.dropLast()), [2] + state.dropFirst(), state + [0]] {
            let error = await #expect(throws: ConnectorError.self) { try await fixture.sink().restore(bad) }
            #expect(error?.code == .corrupt)
        }
    }
}
