import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelConnectors

/// The two dead-letter queues, written and read back: a topic of the data folder and a folder of JSONL files.
struct DeadLetterQueueTests {
    enum Kind: String, CaseIterable, Sendable { case topic, folder }

    static func letters(_ count: Int, writer: Int = 0) -> [DeadLetter] {
        (0..<count).map { index in
            let record =
                index % 4 == 3
                ? "plain text \(writer)/\(index)" : #"{"writer": \#(writer), "n": \#(index), "pad": "é\"\\"}"#
            return DeadLetter(
                record: Array(record.utf8), status: index % 3 == 0 ? nil : 500 + index % 5,
                error: index % 3 == 0 ? "timed out after 10s" : "HTTP \(500 + index % 5)", attempts: 1 + index % 8,
                response: Array("busy \(index)".utf8))
        }
    }

    static func target(_ kind: Kind) -> ForwardSpec.DeadLetters {
        kind == .topic ? .topic("events.dlq") : .folder("dlq")
    }

    static func writer(_ kind: Kind, data: String, flushBytes: Int = 1 << 20) throws -> any DeadLetterWriter {
        switch kind {
        case .topic: try TopicDeadLetters(dataDir: data, topic: "events.dlq", create: true, flushBytes: flushBytes)
        case .folder:
            try FolderDeadLetters(path: (data as NSString).appendingPathComponent("dlq"), flushBytes: flushBytes)
        }
    }

    static func readAll(_ kind: Kind, data: String) throws -> [DeadLetterEntry] {
        try DeadLetterReader.open(target(kind), dataDir: data).readAll()
    }

    @Test(arguments: Kind.allCases)
    func lettersComeBackInOrderWithTheirPositions(kind: Kind) throws {
        let folder = try TemporaryFolder("dlq-round-trip")
        defer { folder.remove() }
        let data = folder.file("data")
        let written = Self.letters(30)
        let writer = try Self.writer(kind, data: data)
        try writer.write(Array(written[..<10]))
        try writer.write(Array(written[10...]))
        try writer.sync()
        writer.close()
        let entries = try Self.readAll(kind, data: data)
        #expect(entries.map(\.letter) == written)
        let positions: [DeadLetterPosition] = (0..<30).map {
            kind == .topic ? .topic(partition: 0, offset: Int64($0)) : .file(number: 1, line: Int64($0 + 1))
        }
        #expect(entries.map(\.position) == positions)
    }

    @Test func topicRecordsAreTheLinesWithWallClockTimestamps() throws {
        let folder = try TemporaryFolder("dlq-topic-records")
        defer { folder.remove() }
        let data = folder.file("data")
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let writer = try TopicDeadLetters(dataDir: data, topic: "signals.dlq", create: true)
        let written = Self.letters(5)
        try writer.write(Array(written[..<3]))
        try writer.write(Array(written[3...]), keys: [Array("conv-9".utf8), nil])
        writer.close()
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        let log = try EmbeddedLog(directory: data).open("signals.dlq", access: LogFixture.options(readOnly: true))
        #expect(log.topic.partitions == 1)
        let records = try LogFixture.readAll(log.partitions[0])
        #expect(records.map(\.value) == written.map { Array($0.jsonLine().dropLast()) })
        #expect(records.map(\.key) == [nil, nil, nil, Array("conv-9".utf8), nil])
        #expect(records.allSatisfy { $0.timestamp >= before && $0.timestamp <= after })
        let entries = try DeadLetterReader.open(.topic("signals.dlq"), dataDir: data).readAll()
        #expect(entries.map(\.key) == records.map(\.key))
    }

    @Test func folderFileHoldsTheLines() throws {
        let folder = try TemporaryFolder("dlq-folder-file")
        defer { folder.remove() }
        let writer = try FolderDeadLetters(path: folder.file("a/b"))
        #expect(writer.fileName == nil)
        let written = Self.letters(7)
        try writer.write(written)
        try writer.sync()
        #expect(writer.fileName == "dead-letters-1.jsonl")
        let content = try #require(FileManager.default.contents(atPath: folder.file("a/b/dead-letters-1.jsonl")))
        #expect(Array(content) == written.flatMap { $0.jsonLine() })
        writer.close()
    }

    /// Eight writers at once, with a buffer small enough that appends interleave: every letter arrives whole,
    /// once, and each writer's letters in the order it wrote them.
    @Test(arguments: Kind.allCases)
    func concurrentWritersLoseAndTearNothing(kind: Kind) async throws {
        let folder = try TemporaryFolder("dlq-concurrent")
        defer { folder.remove() }
        let data = folder.file("data")
        let writer = try Self.writer(kind, data: data, flushBytes: 2048)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 0..<8 {
                group.addTask {
                    let letters = Self.letters(400, writer: number)
                    for start in stride(from: 0, to: letters.count, by: 7) {
                        try writer.write(Array(letters[start..<min(start + 7, letters.count)]))
                        if start % 70 == 0 { try writer.sync() }
                    }
                }
            }
            try await group.waitForAll()
        }
        writer.close()
        let entries = try Self.readAll(kind, data: data)
        #expect(entries.count == 3200)
        #expect(entries.allSatisfy { $0.letter != nil })
        for number in 0..<8 {
            let mine = entries.compactMap(\.letter).filter { letter in
                let text = String(decoding: letter.record, as: UTF8.self)
                return text.contains(#""writer": \#(number),"#) || text.hasPrefix("plain text \(number)/")
            }
            #expect(mine == Self.letters(400, writer: number))
        }
    }

    @Test func reopenedTopicAppendsAfterTheLettersBefore() throws {
        let folder = try TemporaryFolder("dlq-topic-reopen")
        defer { folder.remove() }
        let data = folder.file("data")
        let written = Self.letters(5)
        let first = try Self.writer(.topic, data: data)
        try first.write(Array(written[..<3]))
        first.close()
        #expect(throws: ConnectorError.self) { try first.write(Array(written[3...])) }
        let second = try Self.writer(.topic, data: data)
        try second.write(Array(written[3...]))
        second.close()
        let entries = try Self.readAll(.topic, data: data)
        #expect(entries.map(\.letter) == written)
        #expect(entries.last?.position == .topic(partition: 0, offset: 4))
    }

    @Test func reopenedFolderStartsANewFileAndLeavesTheOldOneAlone() throws {
        let folder = try TemporaryFolder("dlq-folder-reopen")
        defer { folder.remove() }
        let data = folder.file("data")
        let written = Self.letters(5)
        let first = try Self.writer(.folder, data: data)
        try first.write(Array(written[..<3]))
        first.close()
        let before = FileManager.default.contents(atPath: folder.file("data/dlq/dead-letters-1.jsonl"))
        // An open that writes nothing leaves no file, and takes no number.
        try Self.writer(.folder, data: data).close()
        let second = try Self.writer(.folder, data: data)
        try second.write(Array(written[3...]))
        second.close()
        #expect(FileManager.default.contents(atPath: folder.file("data/dlq/dead-letters-1.jsonl")) == before)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.file("data/dlq")).sorted()
        #expect(names == ["dead-letters-1.jsonl", "dead-letters-2.jsonl"])
        let entries = try Self.readAll(.folder, data: data)
        #expect(entries.map(\.letter) == written)
        #expect(entries.map(\.position).suffix(2) == [.file(number: 2, line: 1), .file(number: 2, line: 2)])
    }

    @Test(arguments: Kind.allCases)
    func readerSeesTheQueueAsItWasAtOpen(kind: Kind) throws {
        let folder = try TemporaryFolder("dlq-snapshot")
        defer { folder.remove() }
        let data = folder.file("data")
        let written = Self.letters(6)
        let writer = try Self.writer(kind, data: data)
        try writer.write(Array(written[..<4]))
        try writer.sync()
        let reader = try DeadLetterReader.open(Self.target(kind), dataDir: data)
        try writer.write(Array(written[4...]))
        try writer.sync()
        #expect(try reader.readAll().map(\.letter) == Array(written[..<4]))
        #expect(reader.position == nil)
        writer.close()
        #expect(try Self.readAll(kind, data: data).count == 6)
    }

    @Test func numbersOfFolderFilesAreReadInOrder() throws {
        let folder = try TemporaryFolder("dlq-numbers")
        defer { folder.remove() }
        let dlq = folder.file("dlq")
        try FileManager.default.createDirectory(atPath: dlq, withIntermediateDirectories: true)
        let letters = Self.letters(3)
        for (number, letter) in zip([10, 9, 2], letters) {
            _ = try folder.write("dlq/dead-letters-\(number).jsonl", String(decoding: letter.jsonLine(), as: UTF8.self))
        }
        _ = try folder.write("dlq/notes.txt", "not a dead-letter file\n")
        let entries = try DeadLetterReader.open(.folder(dlq), dataDir: "/nonexistent").readAll()
        #expect(entries.map(\.letter) == [letters[2], letters[1], letters[0]])
        #expect(entries.map(\.position) == [2, 9, 10].map { .file(number: $0, line: 1) })
        let writer = try FolderDeadLetters(path: dlq)
        try writer.write(letters)
        writer.close()
        #expect(writer.fileName == "dead-letters-11.jsonl")
    }
}

extension DeadLetterQueueTests {
    /// The writer a sink opens from its `dlq` setting and the reader a redrive opens find the same queue.
    @Test(arguments: [
        ForwardSpec.DeadLetters.topic("events.dlq"), .folder("out/dlq"), .folder("/ABSOLUTE/dlq"),
    ])
    func writerAndReaderOfASettingMeetInTheSameQueue(target: ForwardSpec.DeadLetters) throws {
        let folder = try TemporaryFolder("dlq-setting")
        defer { folder.remove() }
        let data = folder.file("data")
        let setting: ForwardSpec.DeadLetters =
            if case .folder(let path) = target, path.hasPrefix("/ABSOLUTE") {
                .folder(folder.file("elsewhere/dlq"))
            } else {
                target
            }
        let writer = try setting.openWriter(dataDir: data)
        try writer.write(Self.letters(3))
        writer.close()
        #expect(FileManager.default.fileExists(atPath: setting.folderPath(dataDir: data)))
        if case .folder("out/dlq") = setting {
            #expect(FileManager.default.fileExists(atPath: folder.file("data/out/dlq/dead-letters-1.jsonl")))
        }
        let entries = try DeadLetterReader.open(setting, dataDir: data).readAll()
        #expect(entries.map(\.letter) == Self.letters(3))
    }

    @Test func emptyTopicQueueHasNothingToReadAndSaysSo() throws {
        let folder = try TemporaryFolder("dlq-empty")
        defer { folder.remove() }
        try TopicDeadLetters(dataDir: folder.path, topic: "x.dlq", create: true).close()
        let reader = try DeadLetterReader.open(.topic("x.dlq"), dataDir: folder.path)
        #expect(reader.position == nil)
        #expect(try reader.next().isEmpty)
        try reader.seek(to: .topic(partition: 0, offset: 0))
        let error = #expect(throws: ConnectorError.self) { try reader.seek(to: .topic(partition: 0, offset: 1)) }
        #expect(error?.message.hasSuffix("partition 0 holds no letter; --from must be 0") == true)
    }
}

extension DeadLetterQueueTests {
    /// A crash can tear the last line of a folder queue's file: the next writer leaves that file alone, and
    /// the reader reports the torn line where it is, between the letters before and after.
    @Test func tornFolderFileIsLeftAloneAndItsTornLineReported() throws {
        let folder = try TemporaryFolder("dlq-torn")
        defer { folder.remove() }
        let written = Self.letters(4)
        let torn = written[..<2].map { String(decoding: $0.jsonLine(), as: UTF8.self) }.joined() + #"{"record": {"n""#
        _ = try folder.write("dead-letters-1.jsonl", torn)
        let writer = try FolderDeadLetters(path: folder.path)
        try writer.write(Array(written[2...]))
        writer.close()
        #expect(writer.fileName == "dead-letters-2.jsonl")
        #expect(FileManager.default.contents(atPath: folder.file("dead-letters-1.jsonl")) == Data(torn.utf8))
        let entries = try DeadLetterReader.open(.folder(folder.path), dataDir: "unused").readAll()
        #expect(entries.map(\.letter) == [written[0], written[1], nil, written[2], written[3]])
        #expect(entries[2].position == .file(number: 1, line: 3))
        #expect(
            entries[2].content
                == .bad(
                    "incomplete last line (15 bytes without a line end: a write cut short, or a writer still at work)"))
    }
}
