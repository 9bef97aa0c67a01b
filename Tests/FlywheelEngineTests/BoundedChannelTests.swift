import Synchronization
import Testing

@testable import FlywheelEngine

/// A counter shared between tasks.
final class SharedCounter: Sendable {
    private let count = Atomic<Int>(0)

    var value: Int { count.load(ordering: .sequentiallyConsistent) }

    func increment() { count.add(1, ordering: .sequentiallyConsistent) }
}

@Suite(.timeLimit(.minutes(5)))
struct BoundedChannelTests {
    @Test func deliversInSendOrder() async {
        let channel = BoundedChannel<Int>(capacity: 4)
        for value in 1...4 { await channel.send(value) }
        var received: [Int] = []
        for _ in 1...4 { received.append(await channel.receive() ?? -1) }
        #expect(received == [1, 2, 3, 4])
    }

    @Test func waitingReceiverGetsTheNextSentElement() async {
        let channel = BoundedChannel<Int>(capacity: 1)
        let receiver = Task { await channel.receive() }
        await channel.send(7)
        #expect(await receiver.value == 7)
    }

    @Test func senderOfAFullChannelResumesAfterAReceiveAndKeepsOrder() async {
        let channel = BoundedChannel<Int>(capacity: 1)
        await channel.send(1)
        let sent = SharedCounter()
        let sender = Task {
            await channel.send(2)
            sent.increment()
            await channel.send(3)
            sent.increment()
        }
        #expect(await channel.receive() == 1)
        #expect(await channel.receive() == 2)
        #expect(await channel.receive() == 3)
        await sender.value
        #expect(sent.value == 2)
    }

    /// On a thread of its own (the sender a child task, so it runs there too): its 1,500 yields would each wait
    /// behind the whole run's work on the shared threads.
    @Test(.offThePool, arguments: [1, 3])
    func senderRunsAtMostCapacityAheadOfTheReceiver(capacity: Int) async {
        let channel = BoundedChannel<Int>(capacity: capacity)
        let sent = SharedCounter()
        async let sender: Void = {
            for value in 0..<300 {
                await channel.send(value)
                sent.increment()
            }
            channel.finish()
        }()
        while sent.value < capacity { await Task.yield() }
        var received = 0
        var maxLead = 0
        while let value = await channel.receive() {
            #expect(value == received)
            received += 1
            // Completed sends not yet received are buffered, so there are at most `capacity` of them.
            for _ in 0..<5 { await Task.yield() }
            maxLead = Swift.max(maxLead, sent.value - received)
        }
        await sender
        #expect(received == 300)
        #expect(maxLead <= capacity)
    }

    @Test func zeroCapacityActsAsOne() async {
        let channel = BoundedChannel<Int>(capacity: 0)
        await channel.send(1)
        #expect(await channel.receive() == 1)
    }

    @Test func receiverDrainsAFinishedChannelThenGetsNil() async {
        let channel = BoundedChannel<Int>(capacity: 4)
        await channel.send(1)
        await channel.send(2)
        channel.finish()
        #expect(await channel.receive() == 1)
        #expect(await channel.receive() == 2)
        #expect(await channel.receive() == nil)
        #expect(await channel.receive() == nil)
    }

    @Test func finishWakesAWaitingReceiverWithNil() async {
        let channel = BoundedChannel<Int>(capacity: 1)
        let receiver = Task { await channel.receive() }
        for _ in 0..<10 { await Task.yield() }
        channel.finish()
        #expect(await receiver.value == nil)
    }

    @Test func sendAfterFinishIsDroppedWithoutWaiting() async {
        let channel = BoundedChannel<Int>(capacity: 1)
        await channel.send(1)
        channel.finish()
        await channel.send(2)
        await channel.send(3)
        #expect(await channel.receive() == 1)
        #expect(await channel.receive() == nil)
    }

    @Test func finishReleasesWaitingSendersAndKeepsTheirElements() async {
        let channel = BoundedChannel<Int>(capacity: 1)
        await channel.send(0)
        let started = SharedCounter()
        let senders = (1...3).map { value in
            Task {
                started.increment()
                await channel.send(value)
            }
        }
        while started.value < 3 { await Task.yield() }
        for _ in 0..<100 { await Task.yield() }
        channel.finish()
        for sender in senders { await sender.value }
        var received: [Int] = []
        while let value = await channel.receive() { received.append(value) }
        // A sender that reached the full channel before finish() delivers; one that came later is dropped.
        #expect(received.first == 0)
        #expect(Set(received.dropFirst()).isSubset(of: [1, 2, 3]))
        #expect(Set(received).count == received.count)
    }

    @Test(.offThePool) func manySendersDeliverEverythingToOneReceiver() async {
        let channel = BoundedChannel<Int>(capacity: 2)
        // Structured children so that they run on this test's own thread (.offThePool): 4,000
        // suspensions on the shared pool each wait behind the whole run's work.
        async let senders: Void = {
            await withTaskGroup(of: Void.self) { group in
                for sender in 0..<8 {
                    group.addTask {
                        for index in 0..<250 { await channel.send(sender * 1000 + index) }
                    }
                }
            }
            channel.finish()
        }()
        var received: [Int] = []
        while let value = await channel.receive() { received.append(value) }
        await senders
        #expect(received.count == 2000)
        #expect(Set(received) == Set((0..<8).flatMap { sender in (0..<250).map { sender * 1000 + $0 } }))
        for sender in 0..<8 {
            let own = received.filter { $0 / 1000 == sender }
            #expect(own == own.sorted(), "sender \(sender) out of order")
        }
    }
}
