import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelConnectors

/// Reading a dead-letter queue for a redrive: bad lines come out with their positions, `--from` positions,
/// which letters are chosen, and what the redrive reports.
struct DeadLetterReaderTests {
    private static let letters = DeadLetterQueueTests.letters(12)

    private static func line(_ index: Int) -> String { String(decoding: letters[index].jsonLine(), as: UTF8.self) }

    @Test func badFolderLinesAreReportedWithTheirPositions() throws {
        let folder = try TemporaryFolder("dlq-bad-lines")
        defer { folder.remove() }
        let text =
            Self.line(0) + "garbage\n" + "\n" + #"{"record": 1, "attempts": 1}"# + "\n" + Self.line(1)
            + String(Self.line(2).dropLast(9))
        _ = try folder.write("dead-letters-1.jsonl", text)
        let entries = try DeadLetterReader.open(.folder(folder.path), dataDir: "unused").readAll()
        #expect(entries.map(\.position) == (1...6).map { .file(number: 1, line: Int64($0)) })
        #expect(entries.map(\.letter) == [Self.letters[0], nil, nil, nil, Self.letters[1], nil])
        let reasons = entries.compactMap { entry -> String? in
            if case .bad(let reason) = entry.content { reason } else { nil }
        }
        #expect(reasons.count == 4)
        #expect(reasons[0] == "not a JSON line")
        #expect(reasons[1] == "not a JSON line")
        #expect(reasons[2].contains(#""error" must be a string"#))
        #expect(reasons[3].hasPrefix("incomplete last line"))
    }

    @Test func overlongFolderLineIsReportedAndReadingGoesOn() throws {
        let folder = try TemporaryFolder("dlq-long-line")
        defer { folder.remove() }
        let long = String(repeating: "x", count: 30_000)
        _ = try folder.write("dead-letters-1.jsonl", Self.line(0) + long + "\n" + Self.line(1) + long)
        let source = try FolderLetterSource(folder: folder.path, maxLineBytes: 10_000, chunkBytes: 4096)
        let entries = try source.next(max: 10)
        #expect(entries.count == 4)
        #expect(entries[0].letter == Self.letters[0])
        #expect(entries[1].content == .bad("line longer than 10000 bytes (30000 bytes)"))
        #expect(entries[2].letter == Self.letters[1])
        #expect(entries[3].content.isBad && entries[3].position == .file(number: 1, line: 4))
        #expect(source.position == nil)
    }

    @Test func badTopicRecordIsReportedWithItsOffset() throws {
        let folder = try TemporaryFolder("dlq-bad-record")
        defer { folder.remove() }
        let writer = try TopicDeadLetters(dataDir: folder.path, topic: "x.dlq", create: true)
        try writer.write([Self.letters[0]])
        writer.close()
        let log = try EmbeddedLog(directory: folder.path).open("x.dlq", access: LogFixture.options())
        try log.partitions[0].append([LogRecord(timestamp: 1, key: nil, value: "[1, 2]")])
        try log.close()
        let entries = try DeadLetterReader.open(.topic("x.dlq"), dataDir: folder.path).readAll()
        #expect(entries.count == 2)
        #expect(
            entries[1] == DeadLetterEntry(position: .topic(partition: 0, offset: 1), content: .bad("not a JSON object"))
        )
    }

    @Test func topicReadingStartsWhereFromSays() throws {
        let folder = try TemporaryFolder("dlq-topic-from")
        defer { folder.remove() }
        let writer = try TopicDeadLetters(dataDir: folder.path, topic: "x.dlq", create: true)
        try writer.write(Self.letters)
        writer.close()
        let reader = try DeadLetterReader.open(.topic("x.dlq"), dataDir: folder.path)
        try reader.seek(to: DeadLetterPosition.parse("7", topic: true))
        #expect(reader.position == .topic(partition: 0, offset: 7))
        #expect(try reader.next(max: 3).map(\.letter) == Array(Self.letters[7..<10]))
        #expect(reader.position == .topic(partition: 0, offset: 10))
        #expect(try reader.readAll().count == 2)
        try reader.seek(to: .topic(partition: 0, offset: 12))
        #expect(try reader.next().isEmpty)
        let error = #expect(throws: ConnectorError.self) { try reader.seek(to: .topic(partition: 0, offset: 13)) }
        #expect(error?.message.contains("holds offsets 0 to 11") == true)
        let partition = #expect(throws: ConnectorError.self) { try reader.seek(to: .topic(partition: 1, offset: 0)) }
        #expect(partition?.message.contains("has partitions 0 to 0, not 1") == true)
        #expect(throws: ConnectorError.self) { try reader.seek(to: .file(number: 1, line: 1)) }
    }

    @Test func folderReadingStartsWhereFromSays() throws {
        let folder = try TemporaryFolder("dlq-folder-from")
        defer { folder.remove() }
        for part in [Self.letters[..<5], Self.letters[5...]] {
            let writer = try FolderDeadLetters(path: folder.path)
            try writer.write(Array(part))
            writer.close()
        }
        let reader = try DeadLetterReader.open(.folder(folder.path), dataDir: "unused")
        try reader.seek(to: DeadLetterPosition.parse("dead-letters-1.jsonl:4", topic: false))
        #expect(try reader.next(max: 3).map(\.letter) == Array(Self.letters[3..<6]))
        #expect(reader.position == .file(number: 2, line: 2))
        try reader.seek(to: .file(number: 1, line: 6))
        #expect(reader.position == .file(number: 2, line: 1))
        #expect(try reader.readAll().map(\.letter) == Array(Self.letters[5...]))
        let tooFar = #expect(throws: ConnectorError.self) { try reader.seek(to: .file(number: 2, line: 9)) }
        #expect(tooFar?.message.contains("has 7 lines; --from must name line 1 to 8") == true)
        let missing = #expect(throws: ConnectorError.self) { try reader.seek(to: .file(number: 3, line: 2)) }
        #expect(missing?.message.contains("dead-letters-1.jsonl, dead-letters-2.jsonl") == true)
    }

    @Test func missingQueuesAreNamed() throws {
        let folder = try TemporaryFolder("dlq-missing")
        defer { folder.remove() }
        let topic = #expect(throws: ConnectorError.self) {
            try DeadLetterReader.open(.topic("nope.dlq"), dataDir: folder.path)
        }
        #expect(topic?.code == .topicNotFound)
        #expect(topic?.message.contains("'nope.dlq'") == true)
        let dlq = #expect(throws: ConnectorError.self) {
            try DeadLetterReader.open(.folder("gone"), dataDir: folder.path)
        }
        #expect(dlq?.message == "dead-letter folder \(folder.file("gone")) not found")
        let writer = #expect(throws: ConnectorError.self) {
            try TopicDeadLetters(dataDir: folder.path, topic: "nope.dlq", create: false)
        }
        #expect(writer?.code == .topicNotFound)
        let bad = #expect(throws: ConnectorError.self) {
            try TopicDeadLetters(dataDir: folder.path, topic: ".hidden", create: true)
        }
        #expect(bad?.message.contains("bad topic name") == true)
    }

    @Test func topicHasOneWriterAtATime() throws {
        let folder = try TemporaryFolder("dlq-one-writer")
        defer { folder.remove() }
        let first = try TopicDeadLetters(dataDir: folder.path, topic: "x.dlq", create: true)
        let second = #expect(throws: ConnectorError.self) {
            try TopicDeadLetters(dataDir: folder.path, topic: "x.dlq", create: true)
        }
        #expect(second?.code == .partitionLocked)
        first.close()
        try TopicDeadLetters(dataDir: folder.path, topic: "x.dlq", create: false).close()
    }
}

extension DeadLetterEntry.Content {
    fileprivate var isBad: Bool { if case .bad = self { true } else { false } }
}

extension DeadLetterReaderTests {
    /// Lines that span reads of the file come out whole, whatever the size of the reads.
    @Test(arguments: [1, 7, 64, 4096])
    func linesSplitAcrossReadsComeOutWhole(chunkBytes: Int) throws {
        let folder = try TemporaryFolder("dlq-chunks")
        defer { folder.remove() }
        _ = try folder.write(
            "dead-letters-3.jsonl", Self.letters.map { String(decoding: $0.jsonLine(), as: UTF8.self) }.joined())
        let source = try FolderLetterSource(folder: folder.path, chunkBytes: chunkBytes)
        var entries: [DeadLetterEntry] = []
        while case let chunk = try source.next(max: 5), !chunk.isEmpty { entries += chunk }
        #expect(entries.map(\.letter) == Self.letters)
        #expect(entries.last?.position == .file(number: 3, line: 12))
    }
}
