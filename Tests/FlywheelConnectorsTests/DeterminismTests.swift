import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// The same input and pipeline give byte-identical output folders whatever the parallelism, the
/// batch size, the number of input files' compression.
struct DeterminismTests {
    static func generatedLog(in folder: TemporaryFolder, conversations: Int = 3000, seed: UInt64 = 7) throws -> String {
        try folder.generatedLog("events.jsonl") {
            $0.conversations = conversations
            $0.seed = seed
            $0.duplicateRate = 0.03
            $0.lateRate = 0.01
            $0.malformedRate = 0.01
            $0.conversationsPerMinute = 400
        }
    }

    static func replay(
        _ inputs: [String], into out: String, parallelism: Int, batch: Int, config: PipelineConfig = .default
    ) async throws -> ReplayResult {
        try await ReplayJob.run(
            ReplayOptions(
                inputs: inputs, outputPath: out, config: config, parallelism: parallelism, batchLines: batch,
                force: true))
    }

    @Test func parallelismAndBatchSizeDoNotChangeTheOutput() async throws {
        let folder = try TemporaryFolder("determinism")
        defer { folder.remove() }
        let log = try Self.generatedLog(in: folder)
        let baseline = try await Self.replay([log], into: folder.file("p1"), parallelism: 1, batch: 1024)
        #expect(baseline.counters.isConsistent)
        #expect(baseline.counters.duplicatesDropped > 0 && baseline.counters.lateEvents > 0)
        #expect(baseline.counters.invalidEvents > 0 && baseline.counters.unresolvedReferences > 0)
        for kind in SignalKind.allCases where kind != .qualityAlert {
            #expect((baseline.counters.signalsOut[kind] ?? 0) > 0, "no \(kind.rawValue) records")
        }
        try await Self.expectSameOutput(
            [log], as: folder.file("p1"), in: folder, at: [(2, 1024), (4, 1024), (2, 7), (3, 100)])
    }

    /// Replays `inputs` at each (parallelism, batch size) and expects the files of `expected`, byte for byte.
    static func expectSameOutput(
        _ inputs: [String], as expected: String, in folder: TemporaryFolder, at runs: [(Int, Int)],
        config: PipelineConfig = .default
    ) async throws {
        let expectedFiles = try folderBytes(expected)
        for (parallelism, batch) in runs {
            let out = folder.file("p\(parallelism)-b\(batch)")
            _ = try await replay(inputs, into: out, parallelism: parallelism, batch: batch, config: config)
            let got = try folderBytes(out)
            for (name, bytes) in expectedFiles {
                #expect(got[name] == bytes, "\(name) differs at parallelism \(parallelism), batch \(batch)")
            }
        }
    }

    /// With a short `state_ttl`, quiet conversations are forgotten all the time, and later events of
    /// theirs find no texts: when that happens must not depend on the watermarks a shard happens to see.
    @Test func forgettingQuietConversationsDoesNotDependOnParallelism() async throws {
        let folder = try TemporaryFolder("determinism-ttl")
        defer { folder.remove() }
        let log = try Self.generatedLog(in: folder)
        var config = PipelineConfig.default
        config.signals.joinTTLMs = 20_000
        config.signals.pairStateTTLMs = 20_000
        _ = try await Self.replay([log], into: folder.file("p1"), parallelism: 1, batch: 1024, config: config)
        try await Self.expectSameOutput(
            [log], as: folder.file("p1"), in: folder, at: [(2, 7), (3, 100)], config: config)
    }

    @Test func severalInputsAreMergedDeterministically() async throws {
        let folder = try TemporaryFolder("determinism-multi")
        defer { folder.remove() }
        let log = try Self.generatedLog(in: folder, conversations: 1500, seed: 11)
        let lines = try Data(contentsOf: URL(fileURLWithPath: log)).split(separator: 0x0A)
        var parts = [Data(), Data()]
        for (index, line) in lines.enumerated() {
            parts[index % 2].append(line)
            parts[index % 2].append(0x0A)
        }
        let a = folder.file("a.jsonl")
        let b = folder.file("b.jsonl")
        try parts[0].write(to: URL(fileURLWithPath: a))
        try parts[1].write(to: URL(fileURLWithPath: b))
        let first = try await Self.replay([a, b], into: folder.file("m1"), parallelism: 1, batch: 1024)
        #expect(first.counters.isConsistent)
        _ = try await Self.replay([a, b], into: folder.file("m4"), parallelism: 4, batch: 13)
        #expect(try folderBytes(folder.file("m1")) == folderBytes(folder.file("m4")))
    }

    @Test func gzipInputGivesTheSameOutputAsPlainInput() async throws {
        let folder = try TemporaryFolder("determinism-gzip")
        defer { folder.remove() }
        let log = try Self.generatedLog(in: folder, conversations: 500, seed: 3)
        try gzipped(log).write(to: URL(fileURLWithPath: log + ".gz"))
        _ = try await Self.replay([log], into: folder.file("plain"), parallelism: 2, batch: 1024)
        _ = try await Self.replay([log + ".gz"], into: folder.file("gz"), parallelism: 2, batch: 1024)
        var plain = try folderBytes(folder.file("plain"))
        var zipped = try folderBytes(folder.file("gz"))
        // Side outputs name their source file, which differs by the ".gz" suffix.
        for name in ["dead_letter.jsonl", "late_event.jsonl"] {
            plain[name] = nil
            zipped[name] = nil
        }
        #expect(plain == zipped)
    }

    /// Unresolved references that the end of the input resolves come from every shard at once. When the
    /// last batch was already sent (the line count a multiple of the batch size), the end took the last
    /// line's sequence number, which the shards had reported already, so the collector wrote these dead
    /// letters in whatever order the shards' outputs arrived. The end now has a number of its own.
    @Test func deadLettersAtTheEndOfTheInputKeepTheirOrderAtEveryParallelism() async throws {
        let folder = try TemporaryFolder("determinism-end")
        defer { folder.remove() }
        let lines = (0..<48).map { index in
            #"{"event_id":"x\#(index)","type":"choice","timestamp":"2026-11-26T10:00:\#(10 + index % 40).000Z","conversation_id":"c\#(index)","parent_id":"a\#(index)","rejected_id":"b\#(index)"}"#
        }
        for (name, files) in [("one", [lines]), ("two", [Array(lines[..<24]), Array(lines[24...])])] {
            let inputs = try files.enumerated().map { index, part in
                try folder.write("\(name)-\(index).jsonl", part.joined(separator: "\n") + "\n")
            }
            _ = try await Self.replay(inputs, into: folder.file("\(name)-expected"), parallelism: 1, batch: 1024)
            let expected = try folderBytes(folder.file("\(name)-expected"))
            for run in 0..<6 {
                let out = folder.file("\(name)-run\(run)")
                _ = try await Self.replay(inputs, into: out, parallelism: 4, batch: run % 2 == 0 ? 1 : 4)
                #expect(try folderBytes(out) == expected, "\(name) input(s), run \(run)")
            }
        }
    }
}
