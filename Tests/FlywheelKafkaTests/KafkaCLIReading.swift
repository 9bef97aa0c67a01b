import FlywheelTesting
import Foundation
import Testing

/// What `flywheel kafka produce` should have written for a JSONL file: its non-empty lines, keyed by
/// a top-level field where a line is a JSON object with it.
struct KafkaExpectedLog {
    var records = 0
    var keyless = 0
    /// Records per key.
    var keys: [String: Int] = [:]
    /// An order-independent digest of the values (sum of per-line FNV-1a hashes, mod 2^64).
    var valueDigest: UInt64 = 0

    init(path: String, keyField: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            records += 1
            valueDigest &+= fnv1a(line)
            let object =
                try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]) as? [String: Any]
            if let key = object?[keyField] as? String {
                keys[key, default: 0] += 1
            } else {
                keyless += 1
            }
        }
    }
}

func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    return hash
}

/// Reads a whole topic with confluent-kafka's Python client, a Kafka client not written here.
enum ConfluentKafkaReader {
    struct Result: Decodable {
        let partitions: Int
        let count: Int
        let keyless: Int
        let keys: [String: Int]
        let valueDigest: UInt64
    }

    static let script = """
        import json, sys
        from confluent_kafka import Consumer, TopicPartition
        bootstrap, topic = sys.argv[1], sys.argv[2]
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "python-reader",
                             "enable.auto.commit": False, "enable.partition.eof": True})
        partitions = len(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        ended, count, keyless, keys, digest = set(), 0, 0, {}, 0
        while len(ended) < partitions:
            message = consumer.poll(30)
            if message is None:
                sys.exit("no record and no partition end within 30 s")
            if message.error():
                if message.error().code() == -191:  # _PARTITION_EOF
                    ended.add(message.partition())
                    continue
                sys.exit(str(message.error()))
            count += 1
            h = 0xcbf29ce484222325
            for b in message.value():
                h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
            digest = (digest + h) & 0xFFFFFFFFFFFFFFFF
            if message.key() is None:
                keyless += 1
            else:
                key = message.key().decode()
                keys[key] = keys.get(key, 0) + 1
        consumer.close()
        print(json.dumps({"partitions": partitions, "count": count, "keyless": keyless, "keys": keys,
                          "valueDigest": digest}))
        """

    static func read(topic: String, bootstrap: String) async throws -> Result {
        let result = try await FlywheelCLI.run(
            ["python3", "-c", script, bootstrap, topic], executable: "/usr/bin/env", timeout: 120)
        try #require(result.status == 0, "python3 with confluent-kafka failed: \(result)")
        return try JSONDecoder().decode(Result.self, from: Data(result.stdout.utf8))
    }
}
