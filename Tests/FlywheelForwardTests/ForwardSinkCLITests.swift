import FlywheelForward
import FlywheelTesting
import Foundation
import Synchronization
import Testing

/// A pipeline's `forward` sink, run by `flywheel run` as a user runs it, against a receiver in this process.
@Suite("forward sink under flywheel run", .serialized)
struct ForwardSinkCLITests {
    /// A bounded run: a file source read to its end, a folder sink with every kind, a forward sink with two.
    static func pipeline(_ folder: TemporaryFolder, log: String, url: String, interval: String = "10s") throws -> String
    {
        try folder.write(
            "pipeline.yaml",
            """
            name: forward-test
            sources:
              log: { kind: file, path: \(log) }
            sinks:
              signals: { kind: folder, path: signals }
              trainer:
                kind: forward
                url: \(url)
                kinds: [preference_pair, model_quality]
                batch: 7
                max_in_flight: 3
                headers: { Authorization: "Bearer ${env:FLYWHEEL_TEST_TOKEN}" }
                retry: { max_attempts: 50, backoff_base: 5ms, backoff_cap: 50ms }
            checkpoint: { interval: \(interval) }
            """)
    }

    /// The committed lines of the folder sink for `kinds`.
    static func folderLines(_ data: String, kinds: [String]) throws -> [String] {
        var lines: [String] = []
        for kind in kinds {
            let folder = "\(data)/signals/\(kind)"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names.sorted() where name.hasSuffix(".jsonl") {
                let text = try String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)
                lines += text.split(separator: "\n").map(String.init)
            }
        }
        return lines
    }

    static func accepted(_ receiver: LoopbackReceiver) -> [String] {
        receiver.accepted.flatMap { $0.lines.map { String(decoding: $0, as: UTF8.self) } }
    }

    @Test("the receiver gets exactly the records of the kinds it takes, with the token, through 503s")
    func deliversTheKindsItTakes() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try folder.generatedLog("log.jsonl") { $0.conversations = 300 }
        let receiver = try await LoopbackReceiver.start { request in
            request.index % 4 == 2 ? .status(503) : .status(200)
        }
        let pipeline = try Self.pipeline(folder, log: log, url: receiver.url("/trainer"))
        let data = folder.file("data")
        let result = try await FlywheelCLI.run(
            ["run", "--pipeline", pipeline, "--data", data, "--quiet"],
            environment: ["FLYWHEEL_TEST_TOKEN": "s3cret"])
        #expect(result.status == 0, "\(result)")
        #expect(!result.output.contains("s3cret"), "the token was printed")
        let expected = try Self.folderLines(data, kinds: ["preference_pair", "model_quality"])
        #expect(expected.count > 20)
        let delivered = Self.accepted(receiver)
        #expect(Set(delivered) == Set(expected))
        #expect(delivered.count == expected.count, "no fault here can deliver a request twice")
        #expect(receiver.requests.allSatisfy { $0.header("Authorization") == "Bearer s3cret" })
        let stats = try Data(contentsOf: URL(fileURLWithPath: "\(data)/forward/trainer.stats.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: stats) as? [String: Any])
        #expect((object["delivered"] as? Int) == expected.count)
        #expect((object["retried"] as? Int ?? 0) > 0)
        try await receiver.stop()
    }

    @Test("a missing token variable stops the run before it starts, naming the header and the variable")
    func missingToken() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try folder.write("log.jsonl", "")
        let pipeline = try Self.pipeline(folder, log: log, url: "http://127.0.0.1:9/")
        let result = try await FlywheelCLI.run(
            ["run", "--pipeline", pipeline, "--data", folder.file("data")], environment: ["FLYWHEEL_TEST_TOKEN": ""])
        #expect(result.status != 0)
        #expect(result.stderr.contains("FLYWHEEL_TEST_TOKEN"), "\(result)")
        #expect(result.stderr.contains("Authorization"), "\(result)")
    }

    @Test("kill -9 mid-delivery, restart: every record delivered at least once, keys carry the same records")
    func survivesKills() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let log = try folder.generatedLog("log.jsonl") { $0.conversations = 400 }
        let killSwitch = KillSwitch()
        let receiver = try await LoopbackReceiver.start { request in
            killSwitch.check(request)
            return .status(request.index % 6 == 5 ? 503 : 200, delayMs: 3)
        }
        let pipeline = try Self.pipeline(folder, log: log, url: receiver.url("/trainer"), interval: "100ms")
        let data = folder.file("data")
        let arguments = ["run", "--pipeline", pipeline, "--data", data, "--quiet"]
        let environment = ["FLYWHEEL_TEST_TOKEN": "t"]
        var generator = SplitMix(seed: 6_122_026)
        let kills = try await killSwitch.runKilling(
            arguments, environment: environment, receiver: receiver, rounds: 5, after: 3...30, generator: &generator)
        let last = try await FlywheelCLI.run(arguments, environment: environment)
        #expect(last.status == 0, "\(last)")
        #expect(kills >= 2, "the run ended before it could be killed enough")
        let expected = try Self.folderLines(data, kinds: ["preference_pair", "model_quality"])
        #expect(Set(expected).count == expected.count, "the folder sink holds a record twice")
        #expect(Set(Self.accepted(receiver)) == Set(expected))
        var bodies: [String: [UInt8]] = [:]
        for request in receiver.requests {
            let key = try #require(request.idempotencyKey)
            if let body = bodies[key] { #expect(body == request.body, "key \(key) carried other records") }
            bodies[key] = request.body
        }
        try await receiver.stop()
    }
}
