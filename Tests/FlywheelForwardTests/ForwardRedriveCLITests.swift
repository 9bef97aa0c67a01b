import FlywheelConnectors
import FlywheelForward
import FlywheelTesting
import Foundation
import Synchronization
import Testing

/// `flywheel forward redrive` as a user runs it: dead letters of a `flywheel forward` run, re-sent after a fix.
@Suite("flywheel forward redrive", .serialized)
struct ForwardRedriveCLITests {
    /// A receiver that refuses records whose `n` ends in 7 (422), until `fix` swaps its behaviour.
    static func receiver() async throws -> LoopbackReceiver {
        try await LoopbackReceiver.start { request in
            let body = String(decoding: request.body, as: UTF8.self)
            let refused = (0..<10).contains { body.contains(#""n": \#($0 * 10 + 7),"#) }
            return refused ? .status(422, body: "n must not end in 7") : .status(200)
        }
    }

    static func fix(_ receiver: LoopbackReceiver) { receiver.setBehaviour { _ in .status(200) } }

    /// The record lines of the requests the receiver took, from the `after`-th on, in arrival order.
    static func delivered(_ receiver: LoopbackReceiver, after: Int = 0) -> [String] {
        receiver.accepted.dropFirst(after).flatMap { $0.lines.map { String(decoding: $0, as: UTF8.self) } }
    }

    static func forward(_ receiver: LoopbackReceiver, data: String) async throws {
        try await ForwardCLITests.topic("events", partitions: 2, lines: ForwardCLITests.lines(100), data: data)
        let result = try await FlywheelCLI.run([
            "forward", "--from", "topic:events", "--to", receiver.url("/in"), "--data", data, "--batch", "1",
            "--exit-at-end", "--quiet",
        ])
        try #require(result.status == 0, "\(result)")
    }

    static func redrive(_ receiver: LoopbackReceiver, data: String, _ extra: [String] = []) async throws
        -> FlywheelCLI.Result
    {
        try await FlywheelCLI.run(
            ["forward", "redrive", "topic:events.dlq", "--to", receiver.url("/again"), "--data", data] + extra
                + ["--batch", "3", "--backoff-base", "5ms"])
    }

    static let refused = ForwardCLITests.lines(100).filter { $0.contains(#"7, "pad""#) }

    @Test("after a fix, redrive delivers exactly the dead-lettered records and says where the next one starts")
    func redriveAfterAFix() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let data = folder.file("data")
        let receiver = try await Self.receiver()
        try await Self.forward(receiver, data: data)
        #expect(try await ForwardCLITests.consume("events.dlq", data: data).count == 10)
        Self.fix(receiver)
        let before = receiver.accepted.count
        let result = try await Self.redrive(receiver, data: data)
        #expect(result.status == 0, "\(result)")
        let again = receiver.accepted.dropFirst(before).flatMap {
            $0.lines.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(Set(again) == Set(Self.refused))
        #expect(again.count == 10)
        #expect(
            result.stderr.contains("redrive: 10 delivered, 0 dead-lettered again; read 10 dead letters"), "\(result)")
        #expect(result.stderr.contains("letters added from now on start at --from 0:10"), "\(result)")
        // The queue is never rewritten.
        #expect(try await ForwardCLITests.consume("events.dlq", data: data).count == 10)
        try await receiver.stop()
    }

    @Test("records that fail again go after the queue's end; the next redrive from there takes just them")
    func failuresGoAfterTheEnd() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let data = folder.file("data")
        let receiver = try await Self.receiver()
        try await Self.forward(receiver, data: data)
        let first = try await Self.redrive(receiver, data: data, ["--limit", "4"])
        #expect(first.status == 1, "\(first)")
        #expect(first.stderr.contains("redrive: 0 delivered, 4 dead-lettered again; read 4 dead letters"), "\(first)")
        #expect(first.stderr.contains("to go on after these: --from 0:4"), "\(first)")
        let queue = try await ForwardCLITests.consume("events.dlq", data: data)
        #expect(queue.count == 14)
        let requeued = try queue.suffix(4).map { try DeadLetter(jsonLine: Array($0.utf8)) }
        let original = try queue.prefix(4).map { try DeadLetter(jsonLine: Array($0.utf8)) }
        // Requests complete in any order: the same records, perhaps in another order.
        #expect(Set(requeued.map(\.record)) == Set(original.map(\.record)))
        #expect(requeued.allSatisfy { $0.status == 422 })
        Self.fix(receiver)
        let before = receiver.accepted.count
        let second = try await Self.redrive(receiver, data: data, ["--from", "0:10"])
        #expect(second.status == 0, "\(second)")
        let again = receiver.accepted.dropFirst(before).flatMap {
            $0.lines.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(again.sorted() == original.map { String(decoding: $0.record, as: UTF8.self) }.sorted())
        try await receiver.stop()
    }

    @Test("a folder queue: --status chooses, a bad line is reported with its position and the exit status is 1")
    func folderQueueWithABadLine() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let receiver = try await Self.receiver()
        Self.fix(receiver)
        let letters = [
            DeadLetter(record: Array(#"{"n": 1}"#.utf8), status: 503, error: "HTTP 503", attempts: 8),
            DeadLetter(record: Array(#"{"n": 2}"#.utf8), status: 400, error: "HTTP 400", attempts: 1),
            DeadLetter(record: Array("not json 3".utf8), status: nil, error: "timed out after 10s", attempts: 8),
        ]
        let text = letters.map { String(decoding: $0.jsonLine(), as: UTF8.self) }.joined() + "garbage\n"
        try FileManager.default.createDirectory(atPath: folder.file("dlq"), withIntermediateDirectories: true)
        _ = try folder.write("dlq/dead-letters-1.jsonl", text)
        let result = try await FlywheelCLI.run([
            "forward", "redrive", "dlq", "--to", receiver.url("/again"), "--data", folder.path, "--status",
            "5xx",
            "--status", "none", "--quiet",
        ])
        #expect(result.status == 1, "\(result)")
        #expect(Self.delivered(receiver) == [#"{"n": 1}"#, "not json 3"])
        #expect(result.stderr.contains("2 chosen, 1 passed over (status not 5xx, none)"), "\(result)")
        #expect(result.stderr.contains("1 bad line (dead-letters-1.jsonl line 4: not a JSON line)"), "\(result)")
        try await receiver.stop()
    }

    @Test("bad arguments name the flag and say what to give")
    func badArguments() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let from = try await FlywheelCLI.run([
            "forward", "redrive", "topic:events.dlq", "--to", "http://127.0.0.1:9/", "--data", folder.path, "--from",
            "x",
        ])
        #expect(from.status == 64, "\(from)")
        #expect(from.stderr.contains("--from 'x' is not a position in a dead-letter topic"), "\(from)")
        let missing = try await FlywheelCLI.run([
            "forward", "redrive", "topic:events.dlq", "--to", "http://127.0.0.1:9/", "--data", folder.path,
        ])
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.contains("topic 'events.dlq' not found"), "\(missing)")
        let url = try await FlywheelCLI.run(["forward", "redrive", "dlq", "--to", "ftp://x", "--data", folder.path])
        #expect(url.status == 64, "\(url)")
    }
}
