import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// What the `flywheel run` tests share: a producer fed line by line, a live run's data folder, the
/// committed records of a folder sink and polling for them.
extension RunCLITests {
    /// The record kinds, in file order.
    static let kinds = RecordKind.allCases.map(\.name)

    /// A far-future prompt that moves W past everything before it (with `idle_advance: none`), and a line
    /// after it whose dead letter says that the run has read the whole input.
    static let endMarker = [
        #"{"event_id":"end-1","type":"prompt","timestamp":"2099-01-01T00:00:00.000Z","conversation_id":"end","#
            + #""message_id":"end-m","text":"end"}"#,
        #"{"end_of_input":true}"#,
    ]

    /// `flywheel topic produce TOPIC` as a process of its own, fed by `feed` while it runs.
    final class Producer {
        let process = Process()
        private let input = Pipe()

        init(topic: String, data: String, keyField: String? = "conversation_id") throws {
            process.executableURL = URL(fileURLWithPath: FlywheelCLI.binary)
            process.arguments =
                ["topic", "produce", topic, "--data", data, "--quiet", "--fsync", "never", "--linger", "10ms"]
                + (keyField.map { ["--key-field", $0] } ?? [])
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        func feed<Lines: Sequence<String>>(_ lines: Lines) {
            let text = lines.map { $0 + "\n" }.joined()
            try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        }

        /// Ends the input and waits; returns the exit status.
        func finish() async -> Int32 {
            try? input.fileHandleForWriting.close()
            _ = await exited(process, timeout: 60)
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// The lines of a generated log (invalid UTF-8 in its malformed lines replaced by U+FFFD).
    static func logLines(_ folder: TemporaryFolder, _ configure: (inout GeneratorOptions) -> Void) throws -> [String] {
        let path = try folder.generatedLog("log.jsonl", configure)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Epoch milliseconds `hours` before now: a log starting there ends long before the wall clock, so the
    /// idle advance closes all of it.
    static func hoursAgo(_ hours: Double) -> Int64 {
        Int64((Date().timeIntervalSince1970 - hours * 3600) * 1000)
    }

    /// Creates topic `name` with `partitions` partitions in `data`.
    static func createTopic(_ name: String, partitions: Int, data: String) throws {
        let result = try FlywheelCLI.run(["topic", "create", name, "--partitions", "\(partitions)", "--data", data])
        try #require(result.status == 0, "\(result)")
    }

    /// Appends `lines` to `topic` with a producer that runs to its end.
    static func produce(_ lines: [String], topic: String = "events", data: String) async throws {
        let producer = try Producer(topic: topic, data: data)
        producer.feed(lines)
        let status = await producer.finish()
        try #require(status == 0)
    }

    /// Starts `flywheel run`.
    static func startRun(pipeline: String, data: String, parallelism: Int = 2) throws -> FlywheelCLI.Running {
        try FlywheelCLI.start(["run", "--pipeline", pipeline, "--data", data, "--parallelism", "\(parallelism)"])
    }

    /// Each kind's committed records in live folder sink `path`: its `part-*.jsonl` files (never the
    /// `.inprogress` ones) in name order, concatenated, as lines.
    static func committed(_ path: String) -> [String: [String]] {
        var records: [String: [String]] = [:]
        for kind in kinds {
            let folder = (path as NSString).appendingPathComponent(kind)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0.hasPrefix("part-") && $0.hasSuffix(".jsonl") }.sorted()
            records[kind] = names.flatMap { name in
                let text =
                    (try? String(contentsOfFile: (folder as NSString).appendingPathComponent(name), encoding: .utf8))
                return (text ?? "").split(separator: "\n").map(String.init)
            }
        }
        return records
    }

    /// The files of live folder sink `path` still named `.inprogress`.
    static func inProgress(_ path: String) -> [String] {
        let files = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix(".inprogress") }
    }

    /// Each kind's records in replay output folder `path`.
    static func replayed(_ path: String) throws -> [String: [String]] {
        var records: [String: [String]] = [:]
        for kind in kinds {
            let text = try String(
                contentsOfFile: (path as NSString).appendingPathComponent(kind + ".jsonl"), encoding: .utf8)
            records[kind] = text.split(separator: "\n").map(String.init)
        }
        return records
    }

    /// `flywheel replay topic:TOPIC --data DATA --out OUT`, each kind's records.
    static func replayTopic(_ topic: String = "events", data: String, out: String) throws -> [String: [String]] {
        let result = try FlywheelCLI.run(["replay", "topic:\(topic)", "--data", data, "--out", out, "--quiet"])
        try #require(result.status == 0, "\(result)")
        return try replayed(out)
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` seconds passed; returns whether it held.
    /// Waits asleep, never blocking a thread of the pool that other suites' tasks run on.
    static func eventually(timeout: Double = 60, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            await pause(0.05)
        }
        return try condition()
    }

    /// Sleeps `seconds` without blocking a thread.
    static func pause(_ seconds: Double) async {
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
    }

    /// Waits (asleep) until `process` ended or `timeout` seconds passed; returns whether it ended.
    static func exited(_ process: Process, timeout: Double) async -> Bool {
        await eventually(timeout: timeout) { !process.isRunning }
    }

    /// Waits until the folder sink at `path` committed the dead letter of the end marker's last line.
    static func waitForEndOfInput(_ path: String, timeout: Double = 60) async -> Bool {
        await eventually(timeout: timeout) { committed(path)["dead_letter"]!.contains { $0.contains("end_of_input") } }
    }

    /// Sends `signal` to a run and waits for it to stop gracefully (exit 0, its final checkpoint taken).
    static func stop(_ run: FlywheelCLI.Running, with signal: Int32 = SIGTERM) async -> FlywheelCLI.Result {
        run.send(signal)
        _ = await exited(run.process, timeout: 60)
        return await run.wait(timeout: 5)
    }

    /// Kinds whose records differ between `got` and `expected`, with the first difference.
    static func differences(_ got: [String: [String]], _ expected: [String: [String]]) -> [String] {
        kinds.compactMap { kind -> String? in
            let (a, b) = (got[kind] ?? [], expected[kind] ?? [])
            guard a != b else { return nil }
            let index = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            return "\(kind): \(a.count) records, expected \(b.count); first difference at \(index): "
                + "\(index < a.count ? a[index] : "-")\nexpected \(index < b.count ? b[index] : "-")"
        }
    }
}
