import FlywheelConnectors
import FlywheelForward
import FlywheelTesting
import Foundation
import Synchronization
import Testing

/// `flywheel forward` as a user runs it, against a receiver in this process.
@Suite("flywheel forward", .serialized)
struct ForwardCLITests {
    /// Creates topic `name` in `data` and appends `lines` with `flywheel topic produce`.
    static func topic(_ name: String, partitions: Int, lines: [String], data: String) async throws {
        let created = try await FlywheelCLI.run(
            ["topic", "create", name, "--partitions", "\(partitions)", "--data", data])
        try #require(created.status == 0, "\(created)")
        let produced = try await FlywheelCLI.run(
            ["topic", "produce", name, "--data", data, "--key-field", "id", "--quiet"],
            stdin: Data(lines.map { $0 + "\n" }.joined().utf8))
        try #require(produced.status == 0, "\(produced)")
    }

    static func lines(_ count: Int, padding: Int = 0) -> [String] {
        let pad = String(repeating: "x", count: padding)
        return (0..<count).map { #"{"id": "r\#($0)", "n": \#($0), "pad": "\#(pad)"}"# }
    }

    /// The values of every record of `topic`, through `flywheel topic consume`.
    static func consume(_ topic: String, data: String) async throws -> [String] {
        let result = try await FlywheelCLI.run(["topic", "consume", topic, "--data", data])
        try #require(result.status == 0, "\(result)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    static func positions(_ data: String, name: String) throws -> [Int64] {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(data)/forward/\(name).json"))
        let object = try JSONSerialization.jsonObject(with: bytes) as? [String: Any]
        return (object?["offsets"] as? [NSNumber])?.map(\.int64Value) ?? []
    }

    @Test("delivers every record of a topic, dead-letters the refused ones with their reason, commits the end")
    func deliversAndDeadLetters() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let data = folder.file("data")
        let lines = Self.lines(500)
        try await Self.topic("events", partitions: 3, lines: lines, data: data)
        let receiver = try await LoopbackReceiver.start { request in
            let body = String(decoding: request.body, as: UTF8.self)
            if body.contains(#""n": 77,"#) { return .status(422, body: "n=77 is invalid") }
            return request.index % 5 == 1 ? .status(503, headers: [("Retry-After", "0")]) : .status(200)
        }
        let result = try await FlywheelCLI.run([
            "forward", "--from", "topic:events", "--to", receiver.url("/in"), "--data", data, "--batch", "25",
            "--max-in-flight", "4", "--backoff-base", "5ms", "--exit-at-end",
        ])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("forwarded:"), "\(result)")
        let delivered = Set(receiver.accepted.flatMap { $0.lines.map { String(decoding: $0, as: UTF8.self) } })
        let dead = try await Self.consume("events.dlq", data: data)
        let deadRecords = try dead.map { line -> String in
            let letter = try DeadLetter(jsonLine: Array(line.utf8))
            #expect(letter.status == 422)
            #expect(letter.error == "HTTP 422 Unprocessable Entity")
            #expect(String(decoding: letter.response, as: UTF8.self) == "n=77 is invalid")
            return String(decoding: letter.record, as: UTF8.self)
        }
        #expect(deadRecords.contains { $0.contains(#""n": 77,"#) })
        #expect(delivered.union(deadRecords) == Set(lines))
        #expect(delivered.isDisjoint(with: deadRecords))
        let committed = try Self.positions(data, name: "events")
        #expect(committed.reduce(0, +) == 500)
        // A second run has nothing left to send.
        let before = receiver.requests.count
        let again = try await FlywheelCLI.run([
            "forward", "--from", "topic:events", "--to", receiver.url("/in"), "--data", data, "--exit-at-end",
            "--quiet",
        ])
        #expect(again.status == 0, "\(again)")
        #expect(receiver.requests.count == before)
        try await receiver.stop()
    }

    @Test("kill -9 mid-delivery and restart: every record delivered at least once, each key always the same records")
    func survivesKills() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let data = folder.file("data")
        let lines = Self.lines(3_000)
        try await Self.topic("events", partitions: 4, lines: lines, data: data)
        let killSwitch = KillSwitch()
        let receiver = try await LoopbackReceiver.start { request in
            killSwitch.check(request)
            return request.index % 7 == 3 ? .status(503) : .status(200, delayMs: Int(request.index % 4) * 2)
        }
        var generator = SplitMix(seed: 20_261_206)
        let arguments = [
            "forward", "--from", "topic:events", "--to", receiver.url("/in"), "--data", data, "--batch", "20",
            "--max-in-flight", "6", "--backoff-base", "5ms", "--checkpoint-interval", "50ms", "--exit-at-end",
            "--quiet",
        ]
        let kills = try await killSwitch.runKilling(
            arguments, receiver: receiver, rounds: 6, after: 5...25, generator: &generator)
        let last = try await FlywheelCLI.run(arguments)
        #expect(last.status == 0, "\(last)")
        #expect(kills >= 3, "the run ended before it could be killed enough")
        let delivered = receiver.accepted.flatMap { $0.lines.map { String(decoding: $0, as: UTF8.self) } }
        #expect(Set(delivered) == Set(lines), "\(Set(lines).subtracting(delivered).count) records never delivered")
        var bodies: [String: [UInt8]] = [:]
        for request in receiver.requests {
            let key = try #require(request.idempotencyKey)
            if let body = bodies[key] { #expect(body == request.body, "key \(key) carried other records") }
            bodies[key] = request.body
        }
        #expect(try Self.positions(data, name: "events").reduce(0, +) == 3_000)
        // Redelivery is bounded by what was in flight or not yet committed at each kill.
        #expect(delivered.count - lines.count < kills * 400, "\(delivered.count - lines.count) records sent again")
        try await receiver.stop()
    }

    @Test("while the receiver is down, reading waits: memory stays bounded, nothing is dead-lettered")
    func backPressureBoundsMemory() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let data = folder.file("data")
        let lines = Self.lines(60_000, padding: 2_000)  // 120 MB of records
        try await Self.topic("events", partitions: 2, lines: lines, data: data)
        let receiver = try await LoopbackReceiver.start { _ in .status(503) }
        let running = try FlywheelCLI.start([
            "forward", "--from", "topic:events", "--to", receiver.url("/in"), "--data", data, "--batch", "100",
            "--max-pending", "1000", "--max-attempts", "100", "--breaker-failures", "3", "--breaker-cooldown",
            "500ms", "--backoff-cap", "1s", "--exit-at-end",
        ])
        var peakKiB = 0
        let downUntil = Date().addingTimeInterval(20)
        while Date() < downUntil, running.process.isRunning {
            peakKiB = max(peakKiB, Self.residentKiB(running.pid))
            try await Task.sleep(for: .milliseconds(200))
        }
        let requestsWhileDown = receiver.requests.count
        receiver.setBehaviour { _ in .status(200) }
        let result = await running.wait(timeout: 240)
        #expect(result.status == 0, "\(result)")
        #expect(peakKiB > 0 && peakKiB < 100 * 1024, "peak RSS \(peakKiB) KiB while the receiver was down")
        // The breaker keeps a down receiver from being hammered: a probe every cool-down, not a request per back-off.
        #expect(requestsWhileDown < 200, "\(requestsWhileDown) requests in 20 s while down")
        let delivered = Set(receiver.accepted.flatMap { $0.lines.map { String(decoding: $0, as: UTF8.self) } })
        #expect(delivered.count == lines.count)
        #expect(try await Self.consume("events.dlq", data: data).isEmpty)
        try await receiver.stop()
    }

    static func residentKiB(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    @Test("SIGTERM while the receiver is down: exits 0 after a request's timeout, commits only what settled")
    func stopWhileDown() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let data = folder.file("data")
        let lines = Self.lines(400)
        try await Self.topic("events", partitions: 1, lines: lines, data: data)
        let receiver = try await LoopbackReceiver.start { request in
            request.index < 5 ? .status(200) : .status(503)
        }
        let arguments = [
            "forward", "--from", "topic:events", "--to", receiver.url("/in"), "--data", data, "--batch", "10",
            "--max-in-flight", "1", "--timeout", "500ms", "--checkpoint-interval", "50ms", "--max-attempts", "100",
        ]
        let running = try FlywheelCLI.start(arguments)
        let deadline = Date().addingTimeInterval(30)
        while receiver.requests.count < 8 && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        running.send(SIGTERM)
        let stopped = await running.wait(timeout: 30)
        #expect(stopped.status == 0, "\(stopped)")
        #expect(stopped.stderr.contains("not settled"), "\(stopped)")
        #expect(try Self.positions(data, name: "events") == [50])
        receiver.setBehaviour { _ in .status(200) }
        let resumed = try await FlywheelCLI.run(arguments + ["--exit-at-end", "--quiet"])
        #expect(resumed.status == 0, "\(resumed)")
        let delivered = receiver.accepted.flatMap { $0.lines.map { String(decoding: $0, as: UTF8.self) } }
        #expect(delivered.count == 400, "each record once: \(delivered.count)")
        #expect(Set(delivered) == Set(lines))
        try await receiver.stop()
    }

    @Test("bad flags name the flag and say what is expected")
    func badFlags() async throws {
        let cases: [([String], String)] = [
            (["--from", "events", "--to", "http://127.0.0.1:1/", "--data", "/tmp"], "--from must be topic:NAME"),
            (
                ["--from", "topic:e", "--to", "ftp://x/", "--data", "/tmp"],
                "--to: \"ftp://x/\" must be an http:// or https:// URL"
            ),
            (
                ["--from", "topic:e", "--to", "http://h/", "--data", "/tmp", "--batch", "0"],
                "--batch must be 1 to 10000"
            ),
            (["--from", "topic:e", "--to", "http://h/", "--data", "/tmp", "--timeout", "soon"], "--timeout must be"),
            (["--from", "topic:e", "--to", "http://h/", "--data", "/tmp", "--dlq", "topic:"], "--dlq"),
            (
                ["--from", "topic:e", "--to", "http://h/", "--data", "/tmp", "--header", "NoColon"],
                "--header must be 'Name: value'"
            ),
            (
                [
                    "--from", "topic:e", "--to", "http://h/", "--data", "/tmp", "--header",
                    "X-T: ${env:FLYWHEEL_UNSET_X}",
                ],
                "FLYWHEEL_UNSET_X"
            ),
            (
                ["--from", "topic:missing", "--to", "http://h/", "--data", "/tmp/flywheel-none"],
                "cannot open topic missing"
            ),
        ]
        for (arguments, expected) in cases {
            let result = try await FlywheelCLI.run(["forward"] + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(expected), "\(arguments): \(result)")
        }
    }
}
