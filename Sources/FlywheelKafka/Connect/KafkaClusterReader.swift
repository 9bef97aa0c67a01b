import CRdkafka
import Foundation
import Synchronization

/// One cluster of a kafka source: its consumer (partitions assigned at explicit offsets, each read from a
/// queue of its own by `KafkaSourcePartition`) and a control thread that serves the consumer's main queue
/// (errors), watches whether the cluster answers, and commits offsets after checkpoints.
///
/// Whether the cluster answers is asked with a metadata request: every `healthyProbe` while it does, and
/// with a backoff doubling from `downProbe` up to `maxBackoff` while it does not. `warn` hears once that
/// it is unreachable and once that it is back. Fetching resumes by itself when it returns (librdkafka
/// reconnects and keeps each partition's fetch position).
final class KafkaClusterReader: Sendable {
    struct Timing: Sendable {
        var metadataTimeout: Duration = .seconds(10)
        var probeTimeout: Duration = .seconds(2)
        var healthyProbe: Duration = .seconds(5)
        var downProbe: Duration = .milliseconds(500)
        var maxBackoff: Duration = .seconds(30)
        var commitTimeout: Duration = .seconds(5)
    }

    private struct Control {
        var pendingCommit: [KafkaTopicPartition]?
        var openPartitions = 0
        /// How many partitions of the topic the job reads, and the largest count a warning named.
        var assignedPartitions = 0
        var announcedPartitions = 0
        /// Set when the topic was seen with more partitions than the job reads: why the job must reopen.
        var grown: String?
        var running = false
        var reachable = true
        /// A failure the partitions report on their next read.
        var fault: KafkaError?
    }

    let name: String
    let topic: String
    let consumer: KafkaConsumer
    let timing: Timing
    private let warn: @Sendable (String) -> Void
    private let control = Mutex(Control())
    private let stopped = Atomic<Bool>(false)
    private let bootstrap: String

    init(
        name: String, topic: String, configuration: KafkaConfiguration, timing: Timing,
        warn: @escaping @Sendable (String) -> Void
    ) throws(KafkaError) {
        self.name = name
        self.topic = topic
        self.timing = timing
        self.warn = warn
        bootstrap = configuration.bootstrap
        var configuration = configuration
        // A committed offset that retention removed is an error the job reports, not a silent jump.
        if configuration.properties["auto.offset.reset"] == nil {
            configuration.properties["auto.offset.reset"] = "error"
        }
        consumer = try KafkaConsumer(configuration)
    }

    /// What the cluster is called in messages: `a (127.0.0.1:9092)`.
    var label: String { "kafka cluster \(name) (\(bootstrap))" }

    /// The topic's partition count, asked with the metadata timeout.
    func partitionCount() throws(KafkaError) -> Int? {
        try consumer.metadata(timeout: timing.metadataTimeout).first {
            $0.name == topic && $0.error == nil && $0.partitionCount > 0
        }?.partitionCount
    }

    /// Marks the cluster unreachable from the start (it did not answer at open).
    func startsUnreachable(_ error: KafkaError) {
        control.withLock { $0.reachable = false }
        warn("\(label) is unreachable (\(error.message)); its partitions read nothing until it is back")
    }

    /// Assigns `offsets` and starts the control thread; `partitions` partition readers will close.
    func start(_ offsets: [KafkaTopicPartition]) throws(KafkaError) {
        try consumer.assign(offsets)
        control.withLock {
            $0.openPartitions = offsets.count
            $0.assignedPartitions = offsets.count
            $0.running = true
        }
        let thread = Thread { [self] in runControl() }
        thread.name = "flywheel-kafka-\(name)"
        thread.start()
    }

    /// The failure partitions must report, if any.
    var fault: KafkaError? { control.withLock { $0.fault } }

    /// One partition reader closed; the last one stops the control thread.
    func partitionClosed() {
        let last = control.withLock {
            $0.openPartitions -= 1
            return $0.openPartitions == 0
        }
        if last { stopped.store(true, ordering: .relaxed) }
    }

    /// Commits `offsets` for the group: on the control thread while it runs, else here. Skipped while the
    /// cluster is unreachable (a commit would wait for it); a later checkpoint's commit covers it.
    func commit(_ offsets: [KafkaTopicPartition]) {
        guard !offsets.isEmpty else { return }
        let (handOff, reachable) = control.withLock {
            if $0.running && $0.reachable { $0.pendingCommit = offsets }
            return ($0.running, $0.reachable)
        }
        if !handOff && reachable { commitNow(offsets) }
    }

    /// Commits, waiting at most `commitTimeout` (a cluster that died silently would hold a plain commit,
    /// and with it the probes, for a minute). False when the commit failed or was not confirmed.
    @discardableResult
    private func commitNow(_ offsets: [KafkaTopicPartition]) -> Bool {
        do {
            try consumer.commit(offsets, timeout: timing.commitTimeout)
            return true
        } catch {
            // Commits serve lag monitoring only: the checkpoint holds the offsets the job resumes from.
            warn("\(label): cannot commit offsets for lag monitoring: \(error.message); the next checkpoint retries")
            return false
        }
    }

    private func runControl() {
        var nextProbe = ContinuousClock.now + timing.healthyProbe
        var backoff = timing.downProbe
        var probeNow = !control.withLock { $0.reachable }
        while !stopped.load(ordering: .relaxed) {
            let batch: KafkaBatch
            do {
                batch = try consumer.poll(maxMessages: 16, timeout: .milliseconds(100))
            } catch {
                break
            }
            if let stray = batch.messages.first {
                let error = KafkaError(
                    .state, "internal error: a record of \(stray.topic)[\(stray.partition)] reached the consumer queue")
                control.withLock { $0.fault = $0.fault ?? error }
            }
            if batch.errors.contains(where: { $0.code == .allBrokersDown || $0.code == .transport }) { probeNow = true }
            if let fatal = batch.errors.first(where: { $0.code == .fatal }) {
                control.withLock { $0.fault = $0.fault ?? fatal }
            }
            if let offsets = control.withLock({ state in state.pendingCommit.take() }), !commitNow(offsets) {
                probeNow = true
            }
            guard probeNow || ContinuousClock.now >= nextProbe else { continue }
            probeNow = false
            if probe() {
                backoff = timing.downProbe
                nextProbe = ContinuousClock.now + timing.healthyProbe
            } else {
                nextProbe = ContinuousClock.now + backoff
                backoff = min(backoff * 2, timing.maxBackoff)
            }
        }
        let last = control.withLock { state in
            state.running = false
            return state.pendingCommit.take()
        }
        if let last { commitNow(last) }
    }

    /// Why the job must open the source again (the topic has partitions it does not read), or nil.
    var reopenRequest: String? { control.withLock { $0.grown } }

    /// Notes once per count when the topic has more partitions than the job reads: they were added while it
    /// runs, and librdkafka does not read partitions that were not assigned. The live job then reopens its
    /// sources at a checkpoint (`reopenRequest`); opening assigns the new ones.
    private func noticeGrowth(_ topics: [KafkaTopicMetadata]) {
        guard let count = topics.first(where: { $0.name == topic && $0.error == nil })?.partitionCount else { return }
        let reading = control.withLock { state -> Int? in
            guard state.running, count > state.assignedPartitions, count > state.announcedPartitions else { return nil }
            state.announcedPartitions = count
            state.grown =
                "topic \(topic) on \(label) has \(count) partitions, this job reads \(state.assignedPartitions)"
            return state.assignedPartitions
        }
        guard let reading else { return }
        warn(
            "topic \(topic) on \(label) has \(count) partitions, this job reads \(reading): a live job takes a "
                + "checkpoint and opens the topic again to read the new ones (from the group's committed offsets, else "
                + "their beginning)")
    }

    /// Asks for the topic's metadata; reports a change of reachability. True when the cluster answered.
    private func probe() -> Bool {
        do {
            noticeGrowth(try consumer.metadata(timeout: timing.probeTimeout))
            let wasDown = control.withLock { state in
                defer { state.reachable = true }
                return !state.reachable
            }
            if wasDown { warn("\(label) is back; its partitions resume at their offsets") }
            return true
        } catch {
            let wasUp = control.withLock { state in
                defer { state.reachable = false }
                return state.reachable
            }
            if wasUp {
                warn(
                    "\(label) is unreachable (\(error.message)); its partitions read nothing and go idle, "
                        + "retrying with backoff")
            }
            return false
        }
    }
}
