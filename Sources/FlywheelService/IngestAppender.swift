import FlywheelConnectors
import FlywheelRuntime
import Foundation
import Metrics
import ServiceLifecycle
import Synchronization

/// A record to append to the events topic: its partition key (the conversation id) and its bytes.
struct IngestRecord: Sendable {
    var key: String?
    var value: ArraySlice<UInt8>
}

/// Counts of the appender, for tests, `GET /v1/stats` and `GET /metrics`.
public struct IngestAppenderStats: Sendable, Equatable {
    /// Requests whose records were appended (or failed) so far.
    public var requests = 0
    /// Group commits: each appended the records of every request waiting, then synced once.
    public var commits = 0
    /// Records appended.
    public var records = 0
    /// fsync calls (one per partition a commit wrote to).
    public var syncs = 0
}

/// The one writer of the `events` topic, with group commit: the records of every request waiting when it wakes
/// are appended in one batch per partition and synced once, then every one of those requests is answered.
///
/// A request is answered only when its records are on stable storage (or the append failed). After a graceful
/// shutdown begins, new requests are refused (`shuttingDown`); the ones already waiting are committed first.
public final class IngestAppender: Service, Sendable {
    private struct Waiting {
        var records: [IngestRecord]
        var done: CheckedContinuation<Result<Void, ServiceError>, Never>
    }

    private struct State {
        var waiting: [Waiting] = []
        var wakeUp: CheckedContinuation<Void, Never>?
        var closed = false
        var stats = IngestAppenderStats()
        var nextKeyless = 0
    }

    let log: TopicLog
    private let state = Mutex(State())
    /// Runs before each commit takes the waiting requests (tests hold it to gather requests).
    private let beforeCommit: (@Sendable (IngestAppender) async -> Void)?
    /// Records the duration of each partition's fsync.
    private let fsyncDuration: CoreMetrics.Timer?

    init(
        log: TopicLog, beforeCommit: (@Sendable (IngestAppender) async -> Void)? = nil,
        fsyncDuration: CoreMetrics.Timer? = nil
    ) {
        self.log = log
        self.beforeCommit = beforeCommit
        self.fsyncDuration = fsyncDuration
    }

    /// The counts so far.
    public var stats: IngestAppenderStats { state.withLock { $0.stats } }

    /// Requests waiting for the next commit.
    public var waitingRequests: Int { state.withLock { $0.waiting.count } }

    /// Appends `records` with the next group commit and returns once they are durable.
    func append(_ records: [IngestRecord]) async throws(ServiceError) {
        let result = await withCheckedContinuation { (done: CheckedContinuation<Result<Void, ServiceError>, Never>) in
            let wake = state.withLock { state -> (CheckedContinuation<Void, Never>?, refused: Bool) in
                guard !state.closed else { return (nil, true) }
                state.waiting.append(Waiting(records: records, done: done))
                defer { state.wakeUp = nil }
                return (state.wakeUp, false)
            }
            if wake.refused {
                done.resume(returning: .failure(ServiceError(.shuttingDown, "the service is shutting down")))
            }
            wake.0?.resume()
        }
        try result.get()
    }

    public func run() async throws {
        // Appends and fsyncs block: the loop runs on a thread of its own, not on the shared pool.
        let thread = DedicatedThread(name: "flywheel-ingest-append")
        defer { thread.shutdown() }
        await withTaskExecutorPreference(thread) {
            await withGracefulShutdownHandler {
                while let group = await nextGroup() { commit(group) }
            } onGracefulShutdown: {
                self.close()
            }
        }
        try? log.close()
    }

    /// Refuses new requests; the appender commits the waiting ones and ends.
    func close() {
        let wake = state.withLock { state in
            state.closed = true
            defer { state.wakeUp = nil }
            return state.wakeUp
        }
        wake?.resume()
    }

    /// The requests waiting (once there are some), or nil once closed with none left.
    private func nextGroup() async -> [Waiting]? {
        while true {
            let (ready, finished) = state.withLock { (!$0.waiting.isEmpty || $0.closed, $0.waiting.isEmpty) }
            if ready && finished { return nil }
            if !ready {
                await withCheckedContinuation { (wake: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { state -> Bool in
                        guard state.waiting.isEmpty && !state.closed else { return true }
                        state.wakeUp = wake
                        return false
                    }
                    if now { wake.resume() }
                }
                continue
            }
            await beforeCommit?(self)
            let group = state.withLock { state -> [Waiting] in
                defer { state.waiting.removeAll() }
                return state.waiting
            }
            if group.isEmpty { return nil }
            return group
        }
    }

    /// Appends the records of `group` (one batch per partition), syncs each partition written once, answers all.
    private func commit(_ group: [Waiting]) {
        let partitions = log.partitions.count
        var batches = (0..<partitions).map { _ in LogBatch(capacity: 0) }
        let timestamp = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        var keyless = state.withLock { $0.nextKeyless }
        var records = 0
        for waiting in group {
            for record in waiting.records {
                let partition: Int
                if let key = record.key {
                    partition = log.topic.partition(forKey: key)
                } else {
                    partition = keyless % partitions
                    keyless += 1
                }
                record.value.withUnsafeBytes { value in
                    if var key = record.key {
                        key.withUTF8 {
                            batches[partition].append(
                                key: UnsafeRawBufferPointer($0), value: value, timestamp: timestamp)
                        }
                    } else {
                        batches[partition].append(key: nil, value: value, timestamp: timestamp)
                    }
                }
                records += 1
            }
        }
        var syncs = 0
        let outcome: Result<Void, ServiceError>
        do throws(LogError) {
            let written = batches.map { !$0.isEmpty }
            for partition in 0..<partitions where written[partition] {
                try log.partitions[partition].append(&batches[partition])
            }
            if written.count(where: { $0 }) > 1 {
                for partition in 0..<partitions where written[partition] { log.partitions[partition].startWriteBack() }
            }
            for partition in 0..<partitions where written[partition] {
                let started = ContinuousClock.now
                try log.partitions[partition].sync()
                fsyncDuration?.record(duration: ContinuousClock.now - started)
                syncs += 1
            }
            outcome = .success(())
        } catch {
            outcome = .failure(
                ServiceError(.appendFailed, "cannot append to the events topic: \(error.message)", cause: error))
        }
        state.withLock { state in
            state.nextKeyless = keyless
            state.stats.requests += group.count
            state.stats.commits += 1
            state.stats.records += records
            state.stats.syncs += syncs
        }
        for waiting in group { waiting.done.resume(returning: outcome) }
    }
}
