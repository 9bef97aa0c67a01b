import FlywheelKafka
import Foundation
import Testing

extension KafkaBrokerTests {
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized)
    struct KafkaRoundTripTests {
        @Test func recordsComeBackWithKeysHeadersAndPerKeyOrderFromAFourPartitionTopic() throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let topic = KafkaTestBrokers.uniqueTopic("roundtrip")
            let admin = try KafkaAdmin(KafkaTestBrokers.configuration(bootstrap))
            try admin.createTopic(topic, partitions: 4)
            #expect(try admin.topic(topic, timeout: .seconds(10))?.partitionCount == 4)

            let producer = try KafkaProducer(KafkaTestBrokers.configuration(bootstrap))
            var sent: [(key: String, value: String)] = []
            for index in 0..<400 {
                let key = "conversation-\(index % 23)"
                let value = "{\"n\":\(index)}"
                sent.append((key, value))
                try producer.send(
                    topic: topic, key: Array(key.utf8), value: Array(value.utf8),
                    headers: [KafkaHeader("kind", "test"), KafkaHeader("n", String(index)), KafkaHeader("empty", nil)])
            }
            try producer.flush(timeout: .seconds(30))
            #expect(producer.deliveries.delivered == 400)
            #expect(producer.deliveries.failed == 0)

            let consumer = try KafkaConsumer(KafkaTestBrokers.configuration(bootstrap))
            try consumer.assign((0..<4).map { KafkaTopicPartition(topic, $0, offset: KafkaOffset.beginning) })
            let received = try KafkaTestReading.read(consumer, count: 400)
            #expect(received.count == 400)

            // One key, one partition; a key's records in the order they were sent.
            var partitionOfKey: [String: Int32] = [:]
            var valuesOfKey: [String: [String]] = [:]
            for message in received {
                let key = String(decoding: try #require(message.key), as: UTF8.self)
                #expect(partitionOfKey[key, default: message.partition] == message.partition)
                partitionOfKey[key] = message.partition
                valuesOfKey[key, default: []].append(String(decoding: message.value, as: UTF8.self))
                let n = String(decoding: message.value, as: UTF8.self).dropFirst(5).dropLast()
                #expect(
                    message.headers == [
                        KafkaHeader("kind", "test"), KafkaHeader("n", String(n)), KafkaHeader("empty", nil),
                    ])
                #expect(message.timestamp != nil)
            }
            let expected = Dictionary(grouping: sent, by: \.key).mapValues { $0.map(\.value) }
            #expect(valuesOfKey == expected)
            #expect(Set(partitionOfKey.values).count > 1)
            consumer.close()
            try admin.deleteTopic(topic)
        }

        @Test func assignStartsAtExplicitOffsetsAndSeekMovesBack() throws {
            let bootstrap = try KafkaTestBrokers.bootstrapA()
            let topic = KafkaTestBrokers.uniqueTopic("seek")
            let admin = try KafkaAdmin(KafkaTestBrokers.configuration(bootstrap))
            try admin.createTopic(topic, partitions: 2)
            let producer = try KafkaProducer(KafkaTestBrokers.configuration(bootstrap))
            for index in 0..<50 {
                try producer.send(topic: topic, key: nil, value: Array("p0-\(index)".utf8), partition: 0)
                try producer.send(topic: topic, key: nil, value: Array("p1-\(index)".utf8), partition: 1)
            }
            try producer.flush(timeout: .seconds(30))

            let consumer = try KafkaConsumer(KafkaTestBrokers.configuration(bootstrap))
            try consumer.assign([KafkaTopicPartition(topic, 0, offset: 20), KafkaTopicPartition(topic, 1, offset: 45)])
            let first = try KafkaTestReading.read(consumer, count: 35)
            #expect(first.filter { $0.partition == 0 }.map(\.offset) == Array(20..<50))
            #expect(first.filter { $0.partition == 1 }.map(\.offset) == Array(45..<50))
            #expect(first.filter { $0.partition == 0 }.first?.value == Array("p0-20".utf8))

            try consumer.seek([KafkaTopicPartition(topic, 0, offset: 5)], timeout: .seconds(10))
            let again = try KafkaTestReading.read(consumer, count: 45)
            #expect(again.map(\.partition) == Array(repeating: 0, count: 45))
            #expect(again.map(\.offset) == Array(5..<50))
            #expect(again.first?.value == Array("p0-5".utf8))
            consumer.close()
        }
    }
}

/// Polling helpers for the tests.
enum KafkaTestReading {
    /// Polls until `count` records came (or `timeout` passed); fails on errors other than transient ones.
    static func read(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(30)) throws -> [KafkaMessage] {
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + timeout
        while messages.count < count && ContinuousClock.now < deadline {
            let batch = try consumer.poll(maxMessages: 1000, timeout: .milliseconds(200))
            messages += batch.messages
            for error in batch.errors { Issue.record("consumer error: \(error.message)") }
        }
        return messages
    }
}
