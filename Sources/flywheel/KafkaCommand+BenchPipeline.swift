import FlywheelConnectors
import FlywheelSignals
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka
#endif

/// `flywheel kafka bench --pipeline` and `--baseline confluent-kafka`: the kafka source feeding the full
/// pipeline, and a raw consume by a client not written here, on the same topic in the same run.
enum KafkaPipelineBench {
    /// confluent-kafka (librdkafka in Python) reading every partition from its beginning to its end, in batches
    /// (`consume(10000, timeout=0.05)`: its call waits for the batch to fill or the timeout to pass; 0.05 s was
    /// the fastest here). Prints `records seconds`, timed from the first record.
    static let confluentScript = """
        import sys, time
        from confluent_kafka import Consumer, TopicPartition, KafkaError
        bootstrap, topic = sys.argv[1], sys.argv[2]
        settings = {"bootstrap.servers": bootstrap, "group.id": "flywheel-bench-baseline", "enable.auto.commit": False,
                    "enable.partition.eof": True}
        for item in sys.argv[3:]:
            name, value = item.split("=", 1)
            settings[name] = value
        consumer = Consumer(settings)
        partitions = len(consumer.list_topics(topic, timeout=15).topics[topic].partitions)
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        ended, records, started = set(), 0, None
        while len(ended) < partitions:
            batch = consumer.consume(num_messages=10000, timeout=0.05)
            for message in batch:
                error = message.error()
                if error is None:
                    if started is None:
                        started = time.monotonic()
                    records += 1
                elif error.code() == KafkaError._PARTITION_EOF:
                    ended.add(message.partition())
                else:
                    sys.exit(str(error))
        print(records, time.monotonic() - (started or time.monotonic()))
        consumer.close()
        """

    /// The baseline's records and seconds, or a sentence saying why it could not run.
    static func confluent(bootstrap: String, topic: String, properties: [String: String]) async -> Result<
        (records: Int, seconds: Double), BenchBaselineUnavailable
    > {
        let arguments =
            ["python3", "-c", confluentScript, bootstrap, topic] + properties.map { "\($0.key)=\($0.value)" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            return .failure(BenchBaselineUnavailable(reason: "cannot start python3: \(error)"))
        }
        let (stdout, stderr) = await Task.detached {
            let out = output.fileHandleForReading.readDataToEndOfFile()
            let err = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
        }.value
        let fields = stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard process.terminationStatus == 0, fields.count == 2, let records = Int(fields[0]),
            let seconds = Double(fields[1])
        else {
            let reason =
                stderr.contains("No module named 'confluent_kafka'")
                ? "python3 has no confluent_kafka (pip install confluent-kafka)"
                : "the confluent-kafka baseline failed: \(stderr.suffix(400))"
            return .failure(BenchBaselineUnavailable(reason: reason))
        }
        return .success((records, seconds))
    }

    #if canImport(FlywheelKafka)
        /// One live job of the default pipeline over the topic (a kafka source with a group of its own,
        /// from the earliest offsets), stopped once it read `total` records: its read time and CPU seconds.
        static func pipeline(
            bootstrap: String, topic: String, properties: [String: String], total: Int, parallelism: Int
        ) async throws -> (seconds: Double, records: Int64, cpu: Double) {
            let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent(
                "flywheel-kafka-bench-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let spec = KafkaSourceSpec(
                topic: topic, group: "flywheel-bench-\(UUID().uuidString.prefix(8))",
                clusters: [KafkaSourceSpec.Cluster(name: KafkaSourceSpec.defaultClusterName, bootstrap: bootstrap)],
                start: .earliest,
                properties: properties.sorted { $0.key < $1.key }.map { KafkaSourceSpec.Property($0.key, $0.value) })
            let source = try KafkaSource(spec) { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
            var config = PipelineConfig.default
            config.time.idleTimeoutMs = 100
            let live = try await LiveBench.runLive(
                source: source, folder: folder, total: Int64(total), config: config, parallelism: parallelism)
            return (live.read, live.records, live.cpu)
        }
    #endif
}

struct BenchBaselineUnavailable: Error {
    let reason: String
}
