import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelKafka

extension KafkaBrokerTests {
    /// `kind: kafka` sinks in `flywheel run`, read back with confluent-kafka (a client not written here).
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized)
    struct KafkaSinkTests {
        static let kinds = [
            "model_quality", "preference_pair", "conversation_summary", "sft_example", "quality_alert", "dead_letter",
            "late_event",
        ]

        @Test func everyKindReadBackEqualsTheFolderSinkWithKeysAndHeaders() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let prefix = KafkaTestBrokers.uniqueTopic("ksink") + "."
            let run = try await KafkaSinkRun(bootstrap: bootstrap, prefix: prefix, exactlyOnce: false)
            let result = try await run.run()
            try #require(result.status == 0, "\(result)")

            var total = 0
            for kind in Self.kinds {
                let expected = try run.folderLines(kind)
                let read = try await KafkaRecordsReader.read(topic: prefix + kind, bootstrap: bootstrap)
                total += read.count
                #expect(read.map(\.value).sorted() == expected.sorted(), "\(kind)")
                #expect(read.allSatisfy { $0.headers == ["flywheel-kind": kind, "flywheel-pipeline": "ksink-test"] })
                for record in read {
                    #expect(record.key == Self.expectedKey(kind, record.value), "\(kind): \(record.value)")
                }
            }
            #expect(total > 100, "the generated log should give records of every kind")
        }

        @Test func exactlyOnceCommitsTransactionsThatReadCommittedReadersSee() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapB()
            let topic = KafkaTestBrokers.uniqueTopic("ksink-eos")
            let run = try await KafkaSinkRun(bootstrap: bootstrap, topic: topic, exactlyOnce: true)
            let result = try await run.run()
            try #require(result.status == 0, "\(result)")
            let read = try await KafkaRecordsReader.read(topic: topic, bootstrap: bootstrap, readCommitted: true)
            let expected = try Self.kinds.flatMap(run.folderLines)
            #expect(!expected.isEmpty)
            #expect(read.map(\.value).sorted() == expected.sorted())
        }

        /// A live run (a followed file) stopped with SIGTERM after a checkpoint, then restarted on more input and
        /// stopped again: Kafka holds each record the folder sink committed, once.
        @Test(arguments: [false, true])
        func gracefulStopsAndRestartWriteEachRecordOnce(exactlyOnce: Bool) async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let topic = KafkaTestBrokers.uniqueTopic("ksink-restart")
            let run = try await KafkaSinkRun(bootstrap: bootstrap, topic: topic, exactlyOnce: exactlyOnce, follow: true)
            let lines = try run.keepFirstHalf()
            for (stop, count) in [(1, lines.half), (2, lines.all.count)] {
                if stop == 2 { try run.appendSecondHalf(lines) }
                let running = try FlywheelCLI.start(
                    ["run", "--pipeline", run.pipeline, "--data", run.folder.path, "--quiet"],
                    executable: KafkaCLI.binary)
                try await run.waitForCheckpoint(eventsIn: count)
                running.send(SIGTERM)
                let result = await running.wait()
                try #require(result.status == 0, "stop \(stop): \(result)")
            }
            let read = try await KafkaRecordsReader.read(topic: topic, bootstrap: bootstrap, readCommitted: exactlyOnce)
            let expected = try Self.kinds.flatMap(run.folderLines)
            #expect(expected.count > 100)
            #expect(read.map(\.value).sorted() == expected.sorted())
        }

        /// At least once across a crash: a run SIGKILLed after a checkpoint and restarted on more input loses no
        /// record and writes none the folder sink lacks; Kafka may hold some twice (those written after the
        /// checkpoint the restart resumed from).
        @Test func aKilledAndRestartedRunLosesNoRecord() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapB()
            let topic = KafkaTestBrokers.uniqueTopic("ksink-kill")
            let run = try await KafkaSinkRun(bootstrap: bootstrap, topic: topic, exactlyOnce: false, follow: true)
            let lines = try run.keepFirstHalf()
            var killed = false
            for count in [lines.half, lines.all.count] {
                if killed { try run.appendSecondHalf(lines) }
                let running = try FlywheelCLI.start(
                    ["run", "--pipeline", run.pipeline, "--data", run.folder.path, "--quiet"],
                    executable: KafkaCLI.binary)
                try await run.waitForCheckpoint(eventsIn: count)
                running.send(killed ? SIGTERM : SIGKILL)
                let result = await running.wait()
                if killed { try #require(result.status == 0, "\(result)") } else { #expect(result.signaled) }
                killed = true
            }
            let read = try await KafkaRecordsReader.read(topic: topic, bootstrap: bootstrap)
            let expected = try Self.kinds.flatMap(run.folderLines)
            #expect(expected.count > 100)
            #expect(Set(read.map(\.value)) == Set(expected))
            #expect(read.count >= expected.count)
        }

        @Test func anUnreachableBrokerFailsTheRunInsteadOfDroppingRecords() async throws {
            _ = try KafkaTestBrokers.bootstrapA()
            let port = KafkaTestPorts.closed()
            let run = try await KafkaSinkRun(
                bootstrap: "127.0.0.1:\(port)", prefix: "gone.", exactlyOnce: false, createTopics: false,
                properties: ["message.timeout.ms": "3000"])
            let result = try await run.run()
            #expect(result.status != 0, "\(result)")
            #expect(result.stderr.contains("kafka sink kafka (127.0.0.1:\(port))"), "\(result.stderr)")
            #expect(result.stderr.contains("not delivered"), "\(result.stderr)")
            #expect(result.stderr.contains("resumes from its last checkpoint"), "\(result.stderr)")
        }

        /// The key the README documents for `kind`, from the record's JSON.
        static func expectedKey(_ kind: String, _ value: String) -> String? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any] else {
                return nil
            }
            let fields =
                switch kind {
                case "model_quality", "quality_alert": ["model", "variant", "window_start"]
                case "late_event": ["event_id"]
                case "dead_letter": ["source", "position"]
                default: ["conversation_id"]
                }
            let parts = fields.map { field in
                (object[field] as? String) ?? (object[field] as? NSNumber)?.stringValue ?? "?"
            }
            return parts.joined(separator: "|")
        }
    }
}

/// A bounded `flywheel run`: a generated log, a folder sink and a kafka sink.
struct KafkaSinkRun {
    let folder: TemporaryFolder
    let pipeline: String

    init(
        bootstrap: String, prefix: String? = nil, topic: String? = nil, exactlyOnce: Bool, createTopics: Bool = true,
        properties: [String: String] = [:], follow: Bool = false
    ) async throws {
        folder = try TemporaryFolder()
        let generated = try await KafkaCLI.run([
            "generate", "--conversations", "400", "--seed", "7", "--malformed-rate", "0.02", "--late-rate", "0.02",
            "--out", folder.file("events.jsonl"),
        ])
        try #require(generated.status == 0, "\(generated)")
        if createTopics {
            let admin = try KafkaAdmin(KafkaTestBrokers.configuration(bootstrap))
            let names = topic.map { [$0] } ?? KafkaBrokerTests.KafkaSinkTests.kinds.map { (prefix ?? "") + $0 }
            for name in names { try admin.createTopic(name, partitions: 3) }
        }
        let target = topic.map { "topic: \"\($0)\"" } ?? "prefix: \"\(prefix ?? "")\""
        var props = properties
        props["socket.timeout.ms"] = props["socket.timeout.ms"] ?? "10000"
        let propertyText = props.sorted { $0.key < $1.key }.map { "\($0.key): \"\($0.value)\"" }
        pipeline = folder.file("pipeline.yaml")
        let yaml = """
            name: ksink-test
            sources:
              events: { kind: file, path: events.jsonl, follow: \(follow) }
            sinks:
              files: { kind: folder, path: signals }
              kafka:
                kind: kafka
                bootstrap: "\(bootstrap)"
                \(target)
                exactly_once: \(exactlyOnce)
                properties: { \(propertyText.joined(separator: ", ")) }
            checkpoint: { interval: 1s }
            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: pipeline))
    }

    func run() async throws -> FlywheelCLI.Result {
        try await KafkaCLI.run(["run", "--pipeline", pipeline, "--data", folder.path, "--quiet"])
    }

    /// The lines (without newline) of every file of `kind` the folder sink wrote.
    func folderLines(_ kind: String) throws -> [String] {
        let signals = (folder.path as NSString).appendingPathComponent("signals/\(kind)")
        guard FileManager.default.fileExists(atPath: signals) else { return [] }
        let files = try FileManager.default.contentsOfDirectory(atPath: signals).filter { $0.hasSuffix(".jsonl") }
        return try files.flatMap { file in
            let text = try String(contentsOfFile: (signals as NSString).appendingPathComponent(file), encoding: .utf8)
            return text.split(separator: "\n").map(String.init)
        }
    }

    /// Cuts the generated log to its first half; returns its lines and where the half is.
    func keepFirstHalf() throws -> (all: [Data], half: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.file("events.jsonl")))
        let all = data.split(separator: UInt8(ascii: "\n")).map { Data($0) }
        let half = all.count / 2
        try Data(all[..<half].joined(separator: [UInt8(ascii: "\n")]) + [UInt8(ascii: "\n")])
            .write(to: URL(fileURLWithPath: folder.file("events.jsonl")))
        return (all, half)
    }

    /// Appends the second half of the lines `keepFirstHalf` cut off.
    func appendSecondHalf(_ lines: (all: [Data], half: Int)) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: folder.file("events.jsonl")))
        handle.seekToEndOfFile()
        handle.write(Data(lines.all[lines.half...].joined(separator: [UInt8(ascii: "\n")]) + [UInt8(ascii: "\n")]))
        try handle.close()
    }

    /// Waits (at most 60 s) until a checkpoint recorded `eventsIn` input events in `counters.json`.
    func waitForCheckpoint(eventsIn: Int) async throws {
        let path = folder.file("counters.json")
        for _ in 0..<600 {
            if let data = FileManager.default.contents(atPath: path),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                object["events_in"] as? Int == eventsIn
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("no checkpoint with events_in \(eventsIn) within 60 s")
        throw KafkaTestSetupError()
    }
}

/// Reads every record of a topic with confluent-kafka's Python client: key, value and headers.
enum KafkaRecordsReader {
    struct Record: Decodable {
        let key: String?
        let value: String
        let headers: [String: String]
    }

    static let script = """
        import json, sys
        from confluent_kafka import Consumer, TopicPartition
        bootstrap, topic, isolation = sys.argv[1], sys.argv[2], sys.argv[3]
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "python-reader",
                             "enable.auto.commit": False, "enable.partition.eof": True,
                             "isolation.level": isolation})
        partitions = len(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        ended, records = set(), []
        while len(ended) < partitions:
            message = consumer.poll(30)
            if message is None:
                sys.exit("no record and no partition end within 30 s")
            if message.error():
                if message.error().code() == -191:  # _PARTITION_EOF
                    ended.add(message.partition())
                    continue
                sys.exit(str(message.error()))
            key = message.key()
            records.append({"key": None if key is None else key.decode(), "value": message.value().decode(),
                            "headers": {n: v.decode() for n, v in (message.headers() or [])}})
        consumer.close()
        print(json.dumps(records))
        """

    static func read(topic: String, bootstrap: String, readCommitted: Bool = false) async throws -> [Record] {
        let isolation = readCommitted ? "read_committed" : "read_uncommitted"
        let result = try await FlywheelCLI.run(
            ["python3", "-c", script, bootstrap, topic, isolation], executable: "/usr/bin/env", timeout: 120)
        try #require(result.status == 0, "python3 with confluent-kafka failed: \(result)")
        return try JSONDecoder().decode([Record].self, from: Data(result.stdout.utf8))
    }
}

/// The record key of each kind, as the README documents it (no broker needed).
struct KafkaRecordKeyTests {
    @Test(
        arguments: [
            (
                "{\"signal\": \"model_quality\", \"window_start\": \"2026-11-26T10:00:00.000Z\", \"window_end\": "
                    + "\"2026-11-26T10:01:00.000Z\", \"model\": \"model-a\", \"variant\": \"A\", \"responses\": 3}",
                "model-a|A|2026-11-26T10:00:00.000Z"
            ),
            (
                "{\"signal\": \"quality_alert\", \"window_start\": \"2026-11-26T10:00:00.000Z\", \"model\": \"m\", "
                    + "\"variant\": \"control\", \"down_rate\": 0.5}", "m|control|2026-11-26T10:00:00.000Z"
            ),
            ("{\"signal\": \"preference_pair\", \"pair_id\": \"a:b\", \"conversation_id\": \"c1j\"}", "c1j"),
            ("{\"signal\": \"conversation_summary\", \"conversation_id\": \"cf\", \"user_id\": \"u7t\"}", "cf"),
            ("{\"signal\": \"sft_example\", \"conversation_id\": \"c4\", \"messages\": []}", "c4"),
            ("{\"signal\": \"late_event\", \"event_id\": \"er2\", \"type\": \"response\"}", "er2"),
            (
                "{\"signal\": \"dead_letter\", \"reason\": \"malformed_json\", \"source\": \"in.jsonl\", "
                    + "\"position\": 302, \"raw\": \"{\\\"conversation_id\\\": \\\"x\\\"\"}", "in.jsonl|302"
            ),
        ] as [(String, String)])
    func keyIsTheSignalsKeyFieldsJoinedByBars(line: String, key: String) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let signal = try #require(object["signal"] as? String)
        let kind = try #require(RecordKind(signalName: signal))
        let record = SignalRecord(kind: kind, key: OutputSortKey(0), line: Array((line + "\n").utf8))
        #expect(KafkaRecordKey.key(of: record).map { String(decoding: $0, as: UTF8.self) } == key)
    }

    @Test func aRecordWithoutItsKeyFieldHasNoKey() {
        let line = Array("{\"signal\": \"sft_example\", \"messages\": []}\n".utf8)
        #expect(KafkaRecordKey.key(of: SignalRecord(kind: .sftExample, key: OutputSortKey(0), line: line)) == nil)
        let broken = Array("{\"signal\": \"sft_example\", \n".utf8)
        #expect(KafkaRecordKey.key(of: SignalRecord(kind: .sftExample, key: OutputSortKey(0), line: broken)) == nil)
    }
}
