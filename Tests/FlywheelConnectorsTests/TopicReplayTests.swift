import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// Topics as replay sources (one source partition per topic partition) and as an exactly-once sink.
@Suite(.serialized)
struct TopicReplayTests {
    static let signalFiles = SignalKind.allCases.map { $0.rawValue + ".jsonl" }

    /// A generated log, and a topic holding its lines keyed by conversation id.
    static func setUp(_ folder: TemporaryFolder, partitions: Int) throws -> (log: String, data: String) {
        let log = try folder.generatedLog {
            $0.conversations = 600
            $0.conversationsPerMinute = 300
            $0.seed = 17
        }
        let data = folder.file("data")
        let embedded = EmbeddedLog(directory: data)
        try embedded.createTopic(Topic(name: "events", partitions: partitions))
        let topic = try embedded.open("events")
        defer { try? topic.close() }
        let lines = try Data(contentsOf: URL(fileURLWithPath: log)).split(separator: 0x0A)
        var batches = Array(repeating: [LogRecord](), count: partitions)
        for line in lines {
            let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            let key = object?["conversation_id"] as? String
            let partition = key.map { topic.partition(forKey: $0) } ?? 0
            batches[partition].append(LogRecord(timestamp: 0, key: key.map { Array($0.utf8) }, value: Array(line)))
        }
        for (partition, batch) in batches.enumerated() where !batch.isEmpty {
            _ = try topic.partitions[partition].append(batch)
        }
        return (log, data)
    }

    @Test func oneTopicPartitionGivesTheSameSignalsAsTheFile() async throws {
        let folder = try TemporaryFolder("topic-source")
        defer { folder.remove() }
        let (log, data) = try Self.setUp(folder, partitions: 1)
        _ = try await ReplayJob.run(ReplayOptions(inputs: [log], outputPath: folder.file("file")))
        var options = ReplayOptions(inputs: ["topic:events"], outputPath: folder.file("topic"))
        options.dataDir = data
        let result = try await ReplayJob.run(options)
        #expect(result.counters.eventsIn > 5000)
        #expect(
            try folderBytes(folder.file("topic"), names: Self.signalFiles)
                == folderBytes(folder.file("file"), names: Self.signalFiles))
        let letters = try GoldenComparison.records(at: folder.file("topic/dead_letter.jsonl"))
        #expect(letters.allSatisfy { ($0["source"] as? String) == "events/0" })
    }

    @Test func severalTopicPartitionsAreDeterministicAtAnyParallelism() async throws {
        let folder = try TemporaryFolder("topic-partitions")
        defer { folder.remove() }
        let (_, data) = try Self.setUp(folder, partitions: 3)
        var outputs: [[String: Data]] = []
        for parallelism in [1, 3] {
            var options = ReplayOptions(
                inputs: ["topic:events"], outputPath: folder.file("p\(parallelism)"), parallelism: parallelism)
            options.dataDir = data
            _ = try await ReplayJob.run(options)
            outputs.append(try folderBytes(folder.file("p\(parallelism)"), names: Self.signalFiles + ["summary.json"]))
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test func outputTopicHoldsEveryRecordOnceInFileOrderPerKind() async throws {
        let folder = try TemporaryFolder("topic-sink")
        defer { folder.remove() }
        let (log, data) = try Self.setUp(folder, partitions: 1)
        try EmbeddedLog(directory: data).createTopic(Topic(name: "signals", partitions: 4))
        var options = ReplayOptions(inputs: [log], outputPath: folder.file("out"))
        options.dataDir = data
        options.outputTopic = "signals"
        options.checkpointDir = folder.file("checkpoints")
        options.checkpointInterval = .events(700)
        _ = try await ReplayJob.run(options)
        let byKind = try OutputTopic.recordsByKind(data: data, topic: "signals")
        #expect(try OutputTopic.kindsDifferingFromFiles(byKind, folder: folder.file("out")).isEmpty)
    }
}
