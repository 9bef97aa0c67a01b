import FlywheelEngine
import FlywheelSignals
import FlywheelTesting
import Testing

@testable import FlywheelConnectors

/// The output topic's sink without checkpoints appends as it goes, so memory does not grow with the
/// output; with checkpoints it holds records until a commit (the exactly-once path).
struct TopicSinkTests {
    private static func record(_ index: Int, kind: RecordKind) -> SignalRecord {
        let pad = String(repeating: "x", count: 100)
        let line = "{\"signal\": \"\(kind.name)\", \"n\": \(index), \"pad\": \"\(pad)\"}\n"
        return SignalRecord(kind: kind, key: OutputSortKey(Int64(index)), line: Array(line.utf8))
    }

    @Test func withoutCheckpointsStagedRecordsAreAppendedPastTheThreshold() async throws {
        let folder = try TemporaryFolder("topic-sink-flush")
        defer { folder.remove() }
        let data = folder.file("data")
        try EmbeddedLog(directory: data).createTopic(Topic(name: "signals", partitions: 2))
        let sink = try TopicSink(
            dataDir: data, topics: [("signals", RecordKind.allCases)], create: false, store: nil, flushBytes: 4096)
        try await sink.restore(nil)
        var written: [String] = []
        for index in 0..<500 {
            let record = Self.record(index, kind: index % 3 == 0 ? .preferencePair : .conversationSummary)
            try await sink.write([record])
            written.append(String(decoding: record.line.dropLast(), as: UTF8.self))
        }
        // Appended while writing, long before the final commit.
        #expect(sink.logs[0].partitions.map(\.highWatermark).reduce(0, +) > 400)
        try await sink.close(.finished(summary: "{}"))
        let byKind = try OutputTopic.recordsByKind(data: data, topic: "signals")
        #expect(byKind.values.map(\.count).reduce(0, +) == 500)
        #expect(byKind["preference_pair"] == written.enumerated().filter { $0.offset % 3 == 0 }.map(\.element))
        #expect(byKind["conversation_summary"] == written.enumerated().filter { $0.offset % 3 != 0 }.map(\.element))
    }
}
