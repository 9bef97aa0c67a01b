import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// `flywheel serve` as a process: events posted over HTTP, SIGTERM, exit 0, a restart that resumes, and the
/// signals in DIR/signals equal to a replay of exactly the acknowledged events.
@Suite(.timeLimit(.minutes(5)))
struct ServeCLITests {
    /// The binary next to the test bundle (any scratch path), else the package's `.build/debug/flywheel`.
    static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("flywheel").path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : FlywheelCLI.binary
    }()

    /// No sources or sinks: the service's defaults (the topic events; DIR/signals and signals.<kind>).
    ///
    /// `idle_advance: none`: the log's event times are 12 hours old, so an idle advance in the middle of the
    /// stream (the partition idle for `idle_timeout` of wall-clock time between two requests, or between the
    /// restart and the next request) moves W to the wall clock and makes every later event late, where the
    /// replay finds none late. This test hung in 1 of 3 CI runs for that reason: while other suites keep both
    /// cores busy and the cooperative pool blocked, the test process can stall for longer than any timeout it
    /// could choose. With W moved by event time only, the outcome does not depend on timing. The end of the
    /// stream is an `endMarker` event 6 hours later, which moves W past every window, session and pair deadline
    /// of the log (the idle advance itself is tested in LiveJobTests with a manual clock).
    static let pipeline = """
        time: { idle_timeout: 8s, idle_advance: none }
        checkpoint: { interval: 500ms }
        """

    /// The conversation of `endMarker`.
    static let endConversation = "flywheel-test-end"

    /// A prompt at `millis` that closes, by event time, everything of a log that ends hours before it. Only its
    /// own conversation stays open (its summary is released in a replay's end, never live).
    static func endMarker(at date: Date) -> [UInt8] {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let line =
            #"{"event_id":"flywheel-test-end","type":"prompt","timestamp":"\#(format.string(from: date))","#
            + #""conversation_id":"\#(endConversation)","message_id":"flywheel-test-end","text":"end"}"#
        return Array(line.utf8)
    }

    /// `records` without those of the end marker's conversation.
    static func withoutEndMarker(_ records: [String: [String]]) -> [String: [String]] {
        records.mapValues { $0.filter { !$0.contains(#""conversation_id": "\#(endConversation)""#) } }
    }

    @Test func servedSignalsEqualAReplayOfTheAcknowledgedEvents() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the CLI first: swift build")
        let folder = try TemporaryFolder("serve-cli")
        defer { folder.remove() }
        let data = folder.file("data")
        let pipeline = try folder.write("serve.yaml", Self.pipeline)
        // One partition: a live run then emits exactly what a replay does, in the same order (CONTRACT 8).
        let create = try await FlywheelCLI.run(
            ["topic", "create", "events", "--partitions", "1", "--data", data], executable: Self.binary)
        try #require(create.status == 0, "\(create)")
        let log = try folder.generatedLog("log.jsonl") {
            $0.conversations = 200
            $0.seed = 15
            $0.start = Int64((Date().timeIntervalSince1970 - 12 * 3600) * 1000)
            $0.duplicateRate = 0.03
            $0.malformedRate = 0.01
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: log))
        let lines = bytes.split(separator: UInt8(ascii: "\n")).map { Array($0) }
        let half = lines.count / 2

        let first = try await Self.start(pipeline: pipeline, data: data)
        try await Self.post(lines[..<half], port: first.port)
        let stopped = await Self.stop(first.process)
        #expect(stopped.status == 0 && !stopped.signaled, "\(stopped)")
        #expect(stopped.stderr.contains("final checkpoint"), "\(stopped)")

        let second = try await Self.start(pipeline: pipeline, data: data)
        try await Self.post(lines[half...], port: second.port)
        try await Self.post([Self.endMarker(at: Date().addingTimeInterval(-6 * 3600))][...], port: second.port)
        let replay = try await FlywheelCLI.run(
            ["replay", "topic:events", "--data", data, "--out", folder.file("replay"), "--quiet"],
            executable: Self.binary)
        try #require(replay.status == 0, "\(replay)")
        let expected = Self.withoutEndMarker(try Self.replayed(folder.file("replay")))
        // The signal topics show what the job released; wait until the end marker released everything.
        guard try await Self.released(expected, data: data, by: second.process) else { return }
        let end = await Self.stop(second.process)
        #expect(end.status == 0 && !end.signaled, "\(end)")
        let served = Self.committed(folder.file("data/signals"))
        for kind in RecordKind.allCases {
            #expect(served[kind.name] == expected[kind.name], "kind \(kind.name) differs")
        }
        #expect(!expected["dead_letter"]!.isEmpty && !expected["preference_pair"]!.isEmpty)
    }

    /// Waits until each kind's signal topic holds at least as many records as `expected` (what the end marker
    /// releases), failing with the counts (instead of waiting forever) when the service ends or in 120 s.
    static func released(
        _ expected: [String: [String]], data: String, by process: FlywheelCLI.Running
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            let served = Dictionary(
                uniqueKeysWithValues: RecordKind.allCases.map { kind in
                    (
                        kind.name,
                        ((try? OutputTopic.recordsByKind(data: data, topic: "signals.\(kind.name)"))?[kind.name]?.count
                            ?? 0)
                    )
                })
            if RecordKind.allCases.allSatisfy({ served[$0.name]! >= expected[$0.name]!.count }) { return true }
            guard process.process.isRunning, ContinuousClock.now < deadline else {
                let counts = expected.mapValues(\.count)
                let end = await stop(process)
                Issue.record(
                    "the served signals never reached the replay's: served \(served), replay \(counts); \(end)")
                return false
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Starts `flywheel serve` on a free loopback port and waits until it is ready.
    static func start(pipeline: String, data: String) async throws -> (process: FlywheelCLI.Running, port: Int) {
        let port = try freePort()
        let process = try FlywheelCLI.start(
            ["serve", "--pipeline", pipeline, "--data", data, "--port", "\(port)", "--parallelism", "2"],
            executable: binary)
        while try await status(of: "/readyz", port: port) != 200 {
            guard process.process.isRunning else {
                let result = await process.wait(timeout: 5)
                Issue.record("flywheel serve ended: \(result)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return (process, port)
    }

    /// Posts `lines` in requests of 500 lines with curl; every request must be answered 200.
    static func post(_ lines: ArraySlice<[UInt8]>, port: Int) async throws {
        for start in stride(from: lines.startIndex, to: lines.endIndex, by: 500) {
            let chunk = lines[start..<min(lines.endIndex, start + 500)]
            let body = Data(chunk.flatMap { $0 + [0x0A] })
            let result = try await FlywheelCLI.run(
                [
                    "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/x-ndjson",
                    "--data-binary", "@-", "http://127.0.0.1:\(port)/v1/events",
                ], stdin: body, executable: "/usr/bin/curl")
            try #require(result.stdout == "200", "\(result)")
        }
    }

    /// The HTTP status of GET `path`, 0 when nothing answers yet.
    static func status(of path: String, port: Int) async throws -> Int {
        let result = try await FlywheelCLI.run(
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)\(path)"],
            executable: "/usr/bin/curl")
        return Int(result.stdout) ?? 0
    }

    static func stop(_ process: FlywheelCLI.Running) async -> FlywheelCLI.Result {
        process.send(SIGTERM)
        return await process.wait(timeout: 60)
    }

    /// A port the OS had free a moment ago (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Each kind's records in a replay's output folder.
    static func replayed(_ path: String) throws -> [String: [String]] {
        var records: [String: [String]] = [:]
        for kind in RecordKind.allCases {
            let text = try String(
                contentsOfFile: (path as NSString).appendingPathComponent(kind.fileName), encoding: .utf8)
            records[kind.name] = text.split(separator: "\n").map(String.init)
        }
        return records
    }

    /// Each kind's committed records of a folder sink: its final part files in name order, as lines.
    static func committed(_ path: String) -> [String: [String]] {
        var records: [String: [String]] = [:]
        for kind in RecordKind.allCases {
            let folder = (path as NSString).appendingPathComponent(kind.name)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0.hasPrefix("part-") && $0.hasSuffix(".jsonl") }.sorted()
            records[kind.name] = names.flatMap { name in
                let text = try? String(
                    contentsOfFile: (folder as NSString).appendingPathComponent(name), encoding: .utf8)
                return (text ?? "").split(separator: "\n").map(String.init)
            }
        }
        return records
    }
}
