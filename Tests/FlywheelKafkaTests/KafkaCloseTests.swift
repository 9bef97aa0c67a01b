import FlywheelKafka
import Foundation
import Synchronization
import Testing

extension KafkaBrokerTests {
    /// Closing a consumer is bounded: librdkafka's own close waits for commits in flight, which a dead
    /// group coordinator holds until it returns.
    @Suite(.enabled(if: KafkaTestBrokers.enabled, KafkaTestBrokers.skipReason), .serialized, .timeLimit(.minutes(3)))
    struct KafkaCloseTests {
        @Test func closingAfterTheCoordinatorDiedReturnsWithinItsTimeout() async throws {
            let broker = try await PrivateBroker.start()
            defer { broker.kill() }
            let topic = KafkaTestBrokers.uniqueTopic("close")
            try KafkaTestTopics.makeTenPerPartition(topic, on: broker.bootstrap)
            let group = KafkaTestBrokers.uniqueTopic("close-group")
            let consumer = try KafkaConsumer(KafkaTestBrokers.configuration(broker.bootstrap, group: group))
            try consumer.assign([KafkaTopicPartition(topic, 0, offset: 0)])
            #expect(try KafkaTestReading.read(consumer, count: 10, timeout: .seconds(60)).count == 10)
            try consumer.commit([KafkaTopicPartition(topic, 0, offset: 10)], timeout: .seconds(30))

            broker.kill()
            // The bounded commit gives up; librdkafka keeps the commit in flight, retrying it.
            #expect(throws: KafkaError.self) {
                try consumer.commit([KafkaTopicPartition(topic, 0, offset: 7)], timeout: .seconds(1))
            }
            let closed = await Self.close(consumer, timeout: .seconds(5), waitingAtMost: .seconds(90))
            #expect(closed != nil, "close(timeout: 5 s) did not return within 90 s")
            if let closed { #expect(closed.elapsed < .seconds(30), "close(timeout: 5 s) took \(closed.elapsed)") }
        }

        @Test func closingALiveGroupMemberFinishesInTime() async throws {
            let bootstrap = try KafkaTestBrokers.bootstrapB()
            let topic = KafkaTestBrokers.uniqueTopic("close-live")
            try KafkaTestTopics.makeTenPerPartition(topic, on: bootstrap)
            let group = KafkaTestBrokers.uniqueTopic("close-live-group")
            let revoked = Atomic<Bool>(false)
            let member = try KafkaConsumer(KafkaTestBrokers.configuration(bootstrap, group: group)) { event in
                if case .revoked = event { revoked.store(true, ordering: .relaxed) }
                return nil
            }
            try member.subscribe([topic])
            #expect(try KafkaTestReading.read(member, count: 40, timeout: .seconds(60)).count == 40)
            try member.commit([KafkaTopicPartition(topic, 1, offset: 4)])
            let closed = await Self.close(member, timeout: .seconds(60), waitingAtMost: .seconds(90))
            #expect(closed?.finished == true, "\(String(describing: closed))")
            // The close served the group's revocation through the rebalance handler.
            let wasRevoked = revoked.load(ordering: .relaxed)
            #expect(wasRevoked)
            let reader = try KafkaConsumer(KafkaTestBrokers.configuration(bootstrap, group: group))
            #expect(try reader.committed([KafkaTopicPartition(topic, 1)], timeout: .seconds(10)) == [4])
            reader.close()
        }

        struct Closed: Sendable {
            var finished: Bool
            var elapsed: Duration
        }

        /// `consumer.close(timeout:)` on a thread of its own, waited for at most `limit` (nil past it, the
        /// thread left running): a close that hangs fails the test instead of holding the run.
        static func close(_ consumer: KafkaConsumer, timeout: Duration, waitingAtMost limit: Duration) async
            -> Closed?
        {
            let result = Mutex<Closed?>(nil)
            Thread {
                let clock = ContinuousClock()
                let began = clock.now
                let finished = consumer.close(timeout: timeout)
                let elapsed = clock.now - began
                result.withLock { $0 = Closed(finished: finished, elapsed: elapsed) }
            }.start()
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if let closed = result.withLock({ $0 }) { return closed }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return result.withLock { $0 }
        }
    }
}
