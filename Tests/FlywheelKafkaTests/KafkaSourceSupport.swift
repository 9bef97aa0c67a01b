import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// What the kafka source tests share: a generated log produced by confluent-kafka (a client not written
/// here), `flywheel run` over a kafka source, the committed records of its folder sink, and a replay of
/// the log to compare with.
enum KafkaSourceSupport {
    static let kinds = RecordKind.allCases.map(\.name)

    /// Creates `topic` with `partitions` partitions on `bootstrap` (0: it exists) and produces every line of
    /// `path`, keyed by its conversation_id where it has one; with a fifth argument N > 0, into partition
    /// crc32(key) % N (keyless lines: 0) instead of where the client's partitioner puts it.
    static let produceScript = """
        import json, sys, zlib
        from confluent_kafka import Producer
        from confluent_kafka.admin import AdminClient, NewTopic
        bootstrap, topic, partitions, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
        modulo = int(sys.argv[5]) if len(sys.argv) > 5 else 0
        admin = AdminClient({"bootstrap.servers": bootstrap})
        if partitions > 0:  # 0: the topic exists
            for future in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
                future.result(30)
        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
        count = 0
        with open(path, "rb") as lines:
            for line in lines:
                line = line.rstrip(b"\\n")
                if not line:
                    continue
                try:
                    key = json.loads(line).get("conversation_id")
                except Exception:
                    key = None
                key = key.encode() if isinstance(key, str) else None
                while True:
                    try:
                        if modulo > 0:
                            producer.produce(topic, line, key=key, partition=zlib.crc32(key or b"") % modulo)
                        else:
                            producer.produce(topic, line, key=key)
                        break
                    except BufferError:
                        producer.poll(0.1)
                count += 1
        if producer.flush(60) != 0:
            sys.exit("records left unsent")
        print(count)
        """

    static func produce(
        _ path: String, topic: String, partitions: Int, bootstrap: String, modulo: Int = 0
    ) async throws {
        let result = try await FlywheelCLI.run(
            ["python3", "-c", produceScript, bootstrap, topic, "\(partitions)", path, "\(modulo)"],
            executable: "/usr/bin/env", timeout: 180)
        try #require(result.status == 0, "python3 with confluent-kafka failed: \(result)")
    }

    /// A log of `conversations` whose timestamps end hours before now (the idle advance closes it all).
    static func log(_ folder: TemporaryFolder, seed: UInt64, conversations: Int = 300, malformed: Double) throws
        -> String
    {
        try folder.generatedLog("log.jsonl") {
            $0.conversations = conversations
            $0.seed = seed
            $0.start = Int64((Date().timeIntervalSince1970 - 12 * 3600) * 1000)
            $0.lateRate = 0
            $0.duplicateRate = 0
            $0.malformedRate = malformed
        }
    }

    /// The non-empty lines of `path`.
    static func lineCount(_ path: String) throws -> Int {
        try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: UInt8(ascii: "\n")).count
    }

    /// A live pipeline reading `source` (the YAML flow mapping of a kafka source).
    static func pipeline(_ folder: TemporaryFolder, source: String) throws -> String {
        try folder.write(
            "live.yaml",
            """
            time: { idle_timeout: 4s }
            sources:
              events: \(source)
            sinks:
              files: { kind: folder, path: signals, roll_age: 500ms }
            checkpoint: { interval: 500ms }
            """)
    }

    static func startRun(pipeline: String, data: String) throws -> FlywheelCLI.Running {
        try FlywheelCLI.start(
            ["run", "--pipeline", pipeline, "--data", data, "--parallelism", "2"], executable: KafkaCLI.binary)
    }

    /// `flywheel replay LOG`, each kind's records.
    static func replay(_ log: String, out: String) async throws -> [String: [String]] {
        let result = try await KafkaCLI.run(["replay", log, "--out", out, "--quiet"])
        try #require(result.status == 0, "\(result)")
        var records: [String: [String]] = [:]
        for kind in kinds {
            let text = try String(
                contentsOfFile: (out as NSString).appendingPathComponent(kind + ".jsonl"), encoding: .utf8)
            records[kind] = text.split(separator: "\n").map(String.init)
        }
        return records
    }

    /// Each kind's committed records of live folder sink `path` (`part-*.jsonl`, in name order).
    static func committed(_ path: String) -> [String: [String]] {
        var records: [String: [String]] = [:]
        for kind in kinds {
            let folder = (path as NSString).appendingPathComponent(kind)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0.hasPrefix("part-") && $0.hasSuffix(".jsonl") }.sorted()
            records[kind] = names.flatMap { name in
                let text = try? String(
                    contentsOfFile: (folder as NSString).appendingPathComponent(name), encoding: .utf8)
                return (text ?? "").split(separator: "\n").map(String.init)
            }
        }
        return records
    }

    /// Polls `condition` every 100 ms for up to `timeout` seconds.
    static func eventually(timeout: Double = 90, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return try condition()
    }

    /// Sends SIGTERM and waits for the run's graceful stop.
    static func stop(_ run: FlywheelCLI.Running) async -> FlywheelCLI.Result {
        run.send(SIGTERM)
        return await run.wait(timeout: 60)
    }

    /// Waits until the run committed at least as many records of every kind as `replay` has.
    static func caughtUp(_ sink: String, with replay: [String: [String]]) async -> Bool {
        await eventually { kinds.allSatisfy { committed(sink)[$0]!.count >= replay[$0]!.count } }
    }

    /// Compares a live run over partitions with the replay of the file, as RunCLITests+Equivalence does for
    /// four partitions: windows, sessions and pairs are the same records in the same order; model_quality
    /// equal but for the last bits of the mean latency; dead letters the same once their source and position
    /// (which name the kafka partition or the file line) are left out.
    static func expectEquivalent(_ live: [String: [String]], _ replay: [String: [String]]) throws {
        #expect(live["late_event"]!.isEmpty && replay["late_event"]!.isEmpty)
        for kind in ["preference_pair", "conversation_summary", "sft_example", "quality_alert"] {
            #expect(live[kind] == replay[kind], "\(kind): \(live[kind]!.count) records, replay \(replay[kind]!.count)")
        }
        #expect(live["model_quality"]!.count == replay["model_quality"]!.count)
        for (got, expected) in zip(live["model_quality"]!, replay["model_quality"]!) where got != expected {
            #expect(
                try equalWithout(["latency_ms_mean"], got, expected, tolerance: true), "\(got)\nexpected \(expected)")
        }
        let strip = { (records: [String]) throws -> [String] in
            try records.map { try stripped($0, ["source", "position"]) }.sorted()
        }
        #expect(try strip(live["dead_letter"]!) == strip(replay["dead_letter"]!))
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func stripped(_ text: String, _ keys: [String]) throws -> String {
        var value = try object(text)
        for key in keys { value.removeValue(forKey: key) }
        return String(
            decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    static func equalWithout(_ keys: [String], _ a: String, _ b: String, tolerance: Bool) throws -> Bool {
        var (x, y) = (try object(a), try object(b))
        guard let meanX = x.removeValue(forKey: keys[0]) as? Double,
            let meanY = y.removeValue(forKey: keys[0]) as? Double
        else { return false }
        return (x as NSDictionary) == (y as NSDictionary) && abs(meanX - meanY) <= 1e-9 * max(abs(meanX), 1)
    }
}
