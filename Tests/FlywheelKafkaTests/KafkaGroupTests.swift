import FlywheelKafka
import Foundation
import Synchronization
import Testing

extension KafkaBrokerTests {
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized)
    struct KafkaGroupTests {
        @Test func groupMemberGetsPartitionsByRebalanceAndItsCommitsReadBack() throws {
            let bootstrap = try KafkaTestBrokers.bootstrapB()
            let topic = KafkaTestBrokers.uniqueTopic("group")
            let group = KafkaTestBrokers.uniqueTopic("flywheel-test")
            try KafkaTestTopics.makeTenPerPartition(topic, on: bootstrap)

            let events = Mutex<[KafkaRebalance]>([])
            let configuration = KafkaTestBrokers.configuration(bootstrap, group: group)
            let member = try KafkaConsumer(configuration) { event in
                events.withLock { $0.append(event) }
                return nil
            }
            try member.subscribe([topic])
            let received = try KafkaTestReading.read(member, count: 40, timeout: .seconds(60))
            #expect(received.count == 40)
            let assigned = events.withLock { $0 }.compactMap { event -> [KafkaTopicPartition]? in
                if case .assigned(let partitions) = event { return partitions } else { return nil }
            }
            #expect(Set(assigned.flatMap { $0 }.map(\.partition)) == [0, 1, 2, 3])
            #expect(Set(try member.assignment().map(\.partition)) == [0, 1, 2, 3])

            try member.commit([
                KafkaTopicPartition(topic, 0, offset: 10), KafkaTopicPartition(topic, 1, offset: 5),
                KafkaTopicPartition(topic, 2, offset: 0),
            ])
            member.close()
            let revoked = events.withLock { $0 }.contains { if case .revoked = $0 { true } else { false } }
            #expect(revoked)

            // A fresh client of the same group (not a member) reads the commits back.
            let reader = try KafkaConsumer(configuration)
            let committed = try reader.committed((0..<4).map { KafkaTopicPartition(topic, $0) }, timeout: .seconds(10))
            #expect(committed == [10, 5, 0, nil])
            let ends = try (0..<4).map {
                try reader.watermarks(topic: topic, partition: $0, timeout: .seconds(10)).high
            }
            #expect(ends == [10, 10, 10, 10])
            reader.close()
        }

        @Test func assignedPartitionsStartWhereTheHandlerSays() throws {
            let bootstrap = try KafkaTestBrokers.bootstrapB()
            let topic = KafkaTestBrokers.uniqueTopic("handler")
            try KafkaTestTopics.makeTenPerPartition(topic, on: bootstrap)
            let configuration = KafkaTestBrokers.configuration(bootstrap, group: KafkaTestBrokers.uniqueTopic("g"))
            // As a restored checkpoint does: partition p resumes at offset 2p.
            let member = try KafkaConsumer(configuration) { event in
                guard case .assigned(let partitions) = event else { return nil }
                return partitions.map { KafkaTopicPartition($0.topic, $0.partition, offset: Int64(2 * $0.partition)) }
            }
            try member.subscribe([topic])
            let received = try KafkaTestReading.read(member, count: 28, timeout: .seconds(60))
            for partition in Int32(0)..<4 {
                let offsets = received.filter { $0.partition == partition }.map(\.offset)
                #expect(offsets == Array(Int64(2 * partition)..<10))
            }
            member.close()
        }
    }
}

enum KafkaTestTopics {
    /// A 4-partition topic with 10 records in each partition ("p<partition>-<i>"), each record acknowledged
    /// before the next is sent: Tansu 0.6 answers ListOffsets with the last batch's first offset + 1, which
    /// is the true end offset only when the last batch holds one record.
    static func makeTenPerPartition(_ topic: String, on bootstrap: String) throws {
        let admin = try KafkaAdmin(KafkaTestBrokers.configuration(bootstrap))
        try admin.createTopic(topic, partitions: 4)
        let producer = try KafkaProducer(KafkaTestBrokers.configuration(bootstrap))
        for index in 0..<10 {
            for partition in Int32(0)..<4 {
                try producer.send(
                    topic: topic, key: nil, value: Array("p\(partition)-\(index)".utf8), partition: partition)
            }
            try producer.flush(timeout: .seconds(30))
        }
    }
}
