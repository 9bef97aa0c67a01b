import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelConnectors

/// Which letters a redrive re-sends (`--from`, `--status`, `--limit`), what it reports, and the arguments
/// that name queues and positions.
struct DeadLetterSelectionTests {
    /// Statuses: index % 3 == 0 -> none, else 500 + index % 5.
    private static let letters = DeadLetterQueueTests.letters(20)

    private static func queue(_ folder: TemporaryFolder, badLineAfter: Int? = nil) throws -> DeadLetterReader {
        let writer = try TopicDeadLetters(dataDir: folder.path, topic: "x.dlq", create: true)
        for (index, letter) in letters.enumerated() {
            try writer.write([letter])
            if index == badLineAfter {
                try writer.sync()
                let log = writer.log
                try log.partitions[0].append([LogRecord(timestamp: 1, key: nil, value: "oops")])
            }
        }
        writer.close()
        return try DeadLetterReader.open(.topic("x.dlq"), dataDir: folder.path)
    }

    @Test func everyLetterIsChosenByDefault() throws {
        let folder = try TemporaryFolder("dlq-select-all")
        defer { folder.remove() }
        let selection = try DeadLetterSelection(reader: Self.queue(folder))
        var chosen: [DeadLetterSelection.Chosen] = []
        while case let batch = try selection.next(max: 6), !batch.isEmpty { chosen += batch }
        #expect(chosen.map(\.letter) == Self.letters)
        #expect(chosen.map(\.position) == (0..<20).map { .topic(partition: 0, offset: Int64($0)) })
        #expect(selection.readToTheEnd)
        #expect(selection.resumePosition == .topic(partition: 0, offset: 20))
        #expect(
            selection.report(delivered: 18, deadLetteredAgain: 2)
                == "redrive: 18 delivered, 2 dead-lettered again; read 20 dead letters of dead-letter topic 'x.dlq' in "
                + "\(folder.path) from partition 0 offset 0: 20 chosen; letters added from now on start at --from 0:20")
    }

    @Test func statusLimitAndFromChooseAndTheReportSaysWhereToGoOn() throws {
        let folder = try TemporaryFolder("dlq-select-some")
        defer { folder.remove() }
        let selection = try DeadLetterSelection(
            reader: Self.queue(folder, badLineAfter: 4), from: .topic(partition: 0, offset: 2),
            statuses: [.parse("none"), .parse("503")], limit: 4)
        var chosen: [DeadLetterSelection.Chosen] = []
        while case let batch = try selection.next(max: 3), !batch.isEmpty { chosen += batch }
        // From offset 2: letters 2, 3, 4, (bad line at offset 5), 5, ...; chosen: status nil or 503.
        let expected = [3, 6, 8, 9]
        #expect(chosen.map(\.letter) == expected.map { Self.letters[$0] })
        #expect(chosen.map(\.position) == [3, 7, 9, 10].map { .topic(partition: 0, offset: $0) })
        #expect(selection.chosen == 4)
        #expect(selection.passedOver == 4)
        #expect(selection.badLines == 1)
        #expect(selection.badLinesKept.map(\.position) == [.topic(partition: 0, offset: 5)])
        #expect(selection.resumePosition == .topic(partition: 0, offset: 11))
        #expect(
            selection.summary
                == "read 8 dead letters of dead-letter topic 'x.dlq' in \(folder.path) from partition 0 offset 2: "
                + "4 chosen, 4 passed over (status not none, 503), 1 bad line (partition 0 offset 5: "
                + "not a JSON line); to go on after these: --from 0:11")
    }

    @Test(arguments: [
        ("400", DeadLetterSelection.StatusMatch.exactly(400)), ("5xx", .hundreds(5)), ("4XX", .hundreds(4)),
        ("none", .none), ("NONE", .none),
    ])
    func statusesParse(text: String, match: DeadLetterSelection.StatusMatch) throws {
        #expect(try DeadLetterSelection.StatusMatch.parse(text) == match)
    }

    @Test(arguments: ["", "99", "1000", "5x", "xx", "0xx", "timeout", "-400"])
    func badStatusesSayWhatToGive(text: String) {
        let error = #expect(throws: ConnectorError.self) { try DeadLetterSelection.StatusMatch.parse(text) }
        #expect(error?.message.contains("give an HTTP status (400), a class (5xx) or none") == true)
    }

    @Test func statusMatches() {
        #expect(DeadLetterSelection.StatusMatch.hundreds(5).matches(503))
        #expect(!DeadLetterSelection.StatusMatch.hundreds(5).matches(nil))
        #expect(!DeadLetterSelection.StatusMatch.hundreds(5).matches(429))
        #expect(DeadLetterSelection.StatusMatch.none.matches(nil))
        #expect(!DeadLetterSelection.StatusMatch.exactly(400).matches(401))
    }

    @Test func limitMustBePositive() throws {
        let folder = try TemporaryFolder("dlq-select-limit")
        defer { folder.remove() }
        let error = #expect(throws: ConnectorError.self) {
            try DeadLetterSelection(reader: Self.queue(folder), limit: 0)
        }
        #expect(error?.message == "--limit must be 1 or more, got 0")
    }

    @Test(arguments: [
        ("12", true, DeadLetterPosition.topic(partition: 0, offset: 12)),
        ("3:0", true, .topic(partition: 3, offset: 0)),
        ("dead-letters-2.jsonl:15", false, .file(number: 2, line: 15)), ("4:1", false, .file(number: 4, line: 1)),
    ])
    func positionsParseAndPrintBack(text: String, topic: Bool, position: DeadLetterPosition) throws {
        #expect(try DeadLetterPosition.parse(text, topic: topic) == position)
        #expect(try DeadLetterPosition.parse(position.argument, topic: topic) == position)
    }

    @Test(arguments: [
        ("", true), ("-1", true), ("1:2:3", true), ("a", true), ("0:x", true),
        ("dead-letters-2.jsonl", false), ("dead-letters-2.jsonl:0", false), ("x.jsonl:3", false), (":3", false),
    ])
    func badPositionsSayWhatToGive(text: String, topic: Bool) {
        let error = #expect(throws: ConnectorError.self) { try DeadLetterPosition.parse(text, topic: topic) }
        #expect(error?.code == .invalidOption)
        #expect(error?.message.contains(topic ? "OFFSET or PARTITION:OFFSET" : "FILE:LINE") == true)
    }

    @Test func positionsOrderAsTheQueueIsRead() {
        #expect(DeadLetterPosition.topic(partition: 0, offset: 9) < .topic(partition: 1, offset: 0))
        #expect(DeadLetterPosition.file(number: 2, line: 9) < .file(number: 10, line: 1))
    }

    @Test func queueArgumentsParse() throws {
        #expect(try ForwardSpec.DeadLetters.parse(argument: "topic:events.dlq", flag: "--dlq") == .topic("events.dlq"))
        #expect(try ForwardSpec.DeadLetters.parse(argument: "out/dlq", flag: "--dlq") == .folder("out/dlq"))
        #expect(try ForwardSpec.DeadLetters.parse(argument: "folder:topic:x", flag: "--dlq") == .folder("topic:x"))
        #expect(ForwardSpec.DeadLetters.folder("topic:x").argument == "folder:topic:x")
        #expect(ForwardSpec.DeadLetters.topic("a.dlq").argument == "topic:a.dlq")
        #expect(ForwardSpec.DeadLetters.defaultQueue(forTopic: "signals") == .topic("signals.dlq"))
        let bad = #expect(throws: ConnectorError.self) {
            try ForwardSpec.DeadLetters.parse(argument: "topic:a/b", flag: "--dlq")
        }
        #expect(bad?.message.hasPrefix("--dlq 'topic:a/b': bad topic name") == true)
        #expect(throws: ConnectorError.self) { try ForwardSpec.DeadLetters.parse(argument: "", flag: "DLQ") }
    }
}

extension DeadLetterSelectionTests {
    @Test func redriveArgumentsOpenTheSelection() throws {
        let folder = try TemporaryFolder("dlq-select-open")
        defer { folder.remove() }
        _ = try Self.queue(folder)
        let selection = try DeadLetterSelection.open(
            queue: "topic:x.dlq", dataDir: folder.path, from: "0:18", statuses: ["5xx"], limit: 5)
        #expect(try selection.next(max: 10).map(\.letter) == [Self.letters[19]])
        #expect(try selection.next(max: 10).isEmpty)
        #expect(selection.passedOver == 1)
        let folderFrom = #expect(throws: ConnectorError.self) {
            try DeadLetterSelection.open(queue: "topic:x.dlq", dataDir: folder.path, from: "dead-letters-1.jsonl:1")
        }
        #expect(folderFrom?.message.contains("OFFSET or PARTITION:OFFSET") == true)
        let status = #expect(throws: ConnectorError.self) {
            try DeadLetterSelection.open(queue: "topic:x.dlq", dataDir: folder.path, statuses: ["5xx", "oops"])
        }
        #expect(status?.message.hasPrefix("--status 'oops'") == true)
        let missing = #expect(throws: ConnectorError.self) {
            try DeadLetterSelection.open(queue: "dlq", dataDir: folder.path)
        }
        #expect(missing?.message == "dead-letter folder \(folder.file("dlq")) not found")
    }
}

extension DeadLetterSelectionTests {
    /// A redrive that dead-letters into the queue it reads never meets those letters; the next redrive, from
    /// the position the first one reports, reads exactly them.
    @Test(arguments: DeadLetterQueueTests.Kind.allCases)
    func nextRedriveFromTheReportedPositionReadsTheLettersThatFailedAgain(kind: DeadLetterQueueTests.Kind) throws {
        let folder = try TemporaryFolder("dlq-redrive-again")
        defer { folder.remove() }
        let target = DeadLetterQueueTests.target(kind)
        let first = try target.openWriter(dataDir: folder.path)
        try first.write(Self.letters)
        first.close()
        let selection = try DeadLetterSelection.open(queue: target.argument, dataDir: folder.path)
        let again = try target.openWriter(dataDir: folder.path)
        var failed: [DeadLetter] = []
        while case let batch = try selection.next(max: 8), !batch.isEmpty {
            var letters = batch.map(\.letter).filter { $0.status == nil }
            for index in letters.indices { letters[index].attempts += 8 }
            try again.write(letters)
            failed += letters
        }
        again.close()
        #expect(selection.chosen == 20)
        let resume = try #require(selection.resumePosition)
        #expect(resume == (kind == .topic ? .topic(partition: 0, offset: 20) : .file(number: 2, line: 1)))
        let next = try DeadLetterSelection.open(queue: target.argument, dataDir: folder.path, from: resume.argument)
        var chosen: [DeadLetter] = []
        while case let batch = try next.next(max: 8), !batch.isEmpty { chosen += batch.map(\.letter) }
        #expect(!failed.isEmpty)
        #expect(chosen == failed)
    }

    @Test func folderFromALaterFileThatIsNotThereReadsNothing() throws {
        let folder = try TemporaryFolder("dlq-later-file")
        defer { folder.remove() }
        let writer = try FolderDeadLetters(path: folder.path)
        try writer.write(Self.letters)
        writer.close()
        let selection = try DeadLetterSelection.open(
            queue: folder.path, dataDir: "unused", from: "dead-letters-2.jsonl:1")
        #expect(try selection.next(max: 10).isEmpty)
        #expect(throws: ConnectorError.self) {
            try DeadLetterSelection.open(queue: folder.path, dataDir: "unused", from: "dead-letters-2.jsonl:2")
        }
    }
}

extension DeadLetterSelectionTests {
    /// A request body is JSON Lines: a record with a line break would arrive as two, so it is reported, not sent.
    @Test func recordWithALineBreakIsReportedNotChosen() throws {
        let folder = try TemporaryFolder("dlq-line-break")
        defer { folder.remove() }
        let writer = try FolderDeadLetters(path: folder.path)
        let broken = DeadLetter(record: Array("first\nsecond".utf8), status: 400, error: "HTTP 400", attempts: 1)
        try writer.write([Self.letters[0], broken, Self.letters[1]])
        writer.close()
        let selection = try DeadLetterSelection.open(queue: folder.path, dataDir: "unused")
        #expect(try selection.next(max: 10).map(\.letter) == [Self.letters[0], Self.letters[1]])
        #expect(selection.badLines == 1)
        #expect(selection.badLinesKept.first?.position == .file(number: 1, line: 2))
        #expect(selection.badLinesKept.first?.reason == "the record holds a line break: it cannot be sent as one line")
    }
}
