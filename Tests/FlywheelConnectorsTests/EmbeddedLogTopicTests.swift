import FlywheelConnectors
import FlywheelTesting
import Foundation
import Testing

/// Topics in a data folder, and the produce and consume jobs behind `flywheel topic`.
struct EmbeddedLogTopicTests {
    @Test func topicsAreCreatedListedAndDeleted() throws {
        let folder = try TemporaryFolder("log-topics")
        defer { folder.remove() }
        let log = EmbeddedLog(directory: folder.file("data"))
        let created = try log.createTopic(Topic(name: "events", partitions: 3, retentionBytes: 1 << 30))
        try log.createTopic(Topic(name: "alerts", partitions: 1, retentionMillis: 86_400_000))
        #expect(created.createdMillis > 0)
        #expect(try log.topics().map(\.name) == ["alerts", "events"])
        #expect(try log.topic(named: "events") == created)
        let metadata = try String(contentsOfFile: folder.file("data/events/topic.json"), encoding: .utf8)
        #expect(metadata.contains("\"retention_bytes\" : 1073741824"))
        try log.deleteTopic(named: "events")
        #expect(try log.topics().map(\.name) == ["alerts"])
        #expect(!FileManager.default.fileExists(atPath: folder.file("data/events")))
    }

    @Test func badNamesDuplicatesAndMissingTopicsAreClearErrors() throws {
        let folder = try TemporaryFolder("log-topic-errors")
        defer { folder.remove() }
        let log = EmbeddedLog(directory: folder.path)
        try log.createTopic(Topic(name: "t", partitions: 1))
        let duplicate = #expect(throws: LogError.self) { try log.createTopic(Topic(name: "t", partitions: 2)) }
        #expect(duplicate?.code == .topicExists)
        for name in ["", ".hidden", "a/b", "sp ace", String(repeating: "x", count: 201)] {
            let bad = #expect(throws: LogError.self) { try log.createTopic(Topic(name: name, partitions: 1)) }
            #expect(bad?.code == .invalidArgument)
        }
        let missing = #expect(throws: LogError.self) { try log.open("nope") }
        #expect(missing?.code == .topicNotFound)
        #expect(missing?.message == "topic 'nope' not found in \(folder.path)")
    }

    @Test func aTopicBeingWrittenCannotBeDeleted() throws {
        let folder = try TemporaryFolder("log-topic-busy")
        defer { folder.remove() }
        let log = EmbeddedLog(directory: folder.path)
        try log.createTopic(Topic(name: "t", partitions: 2))
        let open = try log.open("t")
        let busy = #expect(throws: LogError.self) { try log.deleteTopic(named: "t") }
        #expect(busy?.code == .partitionLocked)
        try open.close()
        try log.deleteTopic(named: "t")
    }

    @Test func produceRoutesByKeyHashKeepsOrderPerKeyAndConsumePrintsEveryLine() async throws {
        let folder = try TemporaryFolder("log-produce")
        defer { folder.remove() }
        var lines: [String] = []
        for number in 0..<3000 {
            lines.append(
                number % 100 == 7
                    ? "not json \(number)" : #"{"conversation_id": "c\#(number % 37)", "n": \#(number)}"#)
        }
        let input = try folder.write("in.jsonl", lines.joined(separator: "\n") + "\n\n")
        let log = EmbeddedLog(directory: folder.file("data"))
        let topic = try log.createTopic(Topic(name: "events", partitions: 4))
        var options = TopicProduceOptions(dataDirectory: folder.file("data"), topic: "events")
        options.inputPath = input
        options.keyField = "conversation_id"
        options.batchBytes = 4096
        let summary = try TopicProduceJob.run(options)
        #expect(summary.records == 3000)
        #expect(summary.keyless == 30)
        #expect(summary.emptyLinesSkipped == 1)

        var access = PartitionLogOptions()
        access.readOnly = true
        let opened = try log.open("events", access: access)
        var expected = Array(repeating: [String](), count: 4)
        var keyless = 0
        for line in lines {
            if line.hasPrefix("{"), let key = line.split(separator: "\"").dropFirst(3).first {
                expected[topic.partition(forKey: String(key))].append(line)
            } else {
                expected[keyless % 4].append(line)
                keyless += 1
            }
        }
        for partition in 0..<4 {
            let records = try LogFixture.readAll(opened.partitions[partition])
            #expect(records.map(\.valueText) == expected[partition])
        }

        var consume = TopicConsumeOptions(dataDirectory: folder.file("data"), topic: "events")
        consume.partition = 2
        consume.start = .offset(5)
        consume.limit = 3
        consume.printOffset = true
        let output = folder.file("out.txt")
        let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(try await TopicConsumeJob.run(consume, output: fd) == 3)
        close(fd)
        let printed = try String(contentsOfFile: output, encoding: .utf8)
        #expect(printed == (5..<8).map { "Partition:2\tOffset:\($0)\t\(expected[2][$0])\n" }.joined())
    }
}
