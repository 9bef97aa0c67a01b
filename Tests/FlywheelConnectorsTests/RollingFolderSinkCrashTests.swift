import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
import Testing

/// The folder sink driven as the job drives it, with crashes at seeded random moments: writes,
/// flushes, clock moves, checkpoints that complete (with or without their commit before the next
/// crash), checkpoints whose write fails, graceful stops, crashes. After each crash the sink restores
/// from the last completed checkpoint and the records after it are written again; at the end each
/// kind's final files hold every record exactly once, in order.
struct RollingFolderSinkCrashTests {
    private typealias F = FolderSinkFixture
    private static let kinds: [RecordKind] = [.modelQuality, .deadLetter, .preferencePair]

    /// The job's records: kinds interleaved at random, lines of varied lengths (the same on every rewrite).
    private static func records(seed: UInt64) -> [SignalRecord] {
        var random = SeededGenerator(seed: seed)
        var counts = [RecordKind: Int]()
        return (0..<150).map { _ in
            let kind = kinds.randomElement(using: &random)!
            let index = counts[kind, default: 0]
            counts[kind] = index + 1
            return F.record(kind, index, lineBytes: 30 + (index * 7) % 50)
        }
    }

    /// The job's side of a run: where it is, and the last completed checkpoint.
    private struct Job {
        var position = 0
        var checkpoint: Int64 = 0
        var completed: (state: [UInt8], position: Int)?
    }

    @Test(arguments: 0..<20 as Range<UInt64>)
    func everyRecordIsCommittedOnceWhateverTheCrashes(seed: UInt64) async throws {
        let fixture = try F("folder-sink-random")
        defer { fixture.folder.remove() }
        let records = Self.records(seed: seed)
        var random = SeededGenerator(seed: seed &+ 1000)
        var job = Job()
        var sink = try fixture.sink(rollBytes: 150, rollAgeMs: 1000)
        try await sink.restore(nil)
        while job.position < records.count {
            switch Int.random(in: 0..<12, using: &random) {
            case 0..<5:
                let end = min(records.count, job.position + Int.random(in: 1...8, using: &random))
                try await sink.write(Array(records[job.position..<end]))
                job.position = end
            case 5: fixture.clock.advance(by: .milliseconds(Int.random(in: 0...1500, using: &random)))
            case 6: try await sink.flush()
            case 7, 8:
                job.checkpoint += 1
                let closing = Int.random(in: 0..<4, using: &random) == 0
                let state = try await sink.snapshot(checkpoint: job.checkpoint, closing: closing)
                job.completed = (state, job.position)
                let commits = Bool.random(using: &random)
                if commits { try await sink.commit(checkpoint: job.checkpoint) }
                if closing {
                    if commits { try await sink.close(.stopped) }
                    sink = try await Self.restart(fixture, &job)
                }
            case 9:
                // A checkpoint whose write fails: its state is never used, its commit never comes.
                job.checkpoint += 1
                _ = try await sink.snapshot(checkpoint: job.checkpoint, closing: false)
            default:
                sink = try await Self.restart(fixture, &job)
            }
        }
        try await sink.close(.finished(summary: "{}"))
        for kind in Self.kinds {
            #expect(fixture.inProgressNames(kind).isEmpty)
            #expect(try fixture.committedLines(kind) == F.lines(records.filter { $0.kind == kind }))
        }
    }

    /// A crash: the sink is dropped (its buffers lost), a new one restores the last completed checkpoint.
    private static func restart(_ fixture: F, _ job: inout Job) async throws -> RollingFolderSink {
        let sink = try fixture.sink(rollBytes: 150, rollAgeMs: 1000)
        try await sink.restore(job.completed?.state)
        job.position = job.completed?.position ?? 0
        return sink
    }
}
