import FlywheelEngine
import FlywheelSignals
import Synchronization

/// Completes one checkpoint off the collector's path: waits for every sink's staged state, writes
/// the checkpoint (encoding and fsync take long with large state), then tells every sink to commit.
///
/// The collector goes on releasing records meanwhile: each sink handles its messages in order, so the
/// records released after the barrier reach it after its snapshot and stay out of the checkpoint; a
/// commit that comes after some of them publishes only what the snapshot staged. Checkpoints complete
/// in order: the next one starts only once this one is done.
final class CheckpointCompletion: Sendable {
    /// What the checkpoint holds except the sinks' state, captured when the barrier aligned.
    struct Parts: Sendable {
        var barrier: JobSide.Barrier
        var createdMillis: Int64
        var parallelism: Int
        /// Encoded off the data path, when the checkpoint is written.
        var snapshots: [ShardSnapshot]
        var pending: [SignalRecord]
        var written: SignalCounters
    }

    private let task: Task<CheckpointStats, any Error>
    /// Set when the completion failed, so the collector can stop at its next event.
    private let failure = ErrorSlot()

    init(
        _ parts: Parts, sinks: [SinkHandle], storage: (any CheckpointStorage)?, writer: DedicatedThread,
        onCheckpoint: (@Sendable (Int64, SignalCounters) -> Void)?,
        onDurable: (@Sendable ([StateSection]) -> Void)? = nil,
        onCompleted: (@Sendable (CompletedCheckpoint) -> Void)? = nil
    ) async throws {
        let replies = sinks.map { _ in Reply<[UInt8]>() }
        for (sink, reply) in zip(sinks, replies) {
            try await sink.send(.snapshot(parts.barrier.id, closing: parts.barrier.closing, reply))
        }
        let failure = self.failure
        task = Task(executorPreference: writer) {
            do {
                return try await Self.complete(
                    parts, sinks: sinks, replies: replies, storage: storage,
                    hooks: Hooks(onCheckpoint: onCheckpoint, onDurable: onDurable, onCompleted: onCompleted))
            } catch {
                failure.value.withLock { $0 = error }
                throw error
            }
        }
    }

    /// The error that ended the completion, if it ended with one.
    var error: (any Error)? { failure.value.withLock { $0 } }

    /// Waits for the checkpoint to be written and committed; returns what it cost.
    func value() async throws -> CheckpointStats { try await task.value }

    /// Who hears of the checkpoint once it completed.
    private struct Hooks: Sendable {
        var onCheckpoint: (@Sendable (Int64, SignalCounters) -> Void)?
        var onDurable: (@Sendable ([StateSection]) -> Void)?
        var onCompleted: (@Sendable (CompletedCheckpoint) -> Void)?
    }

    private static func complete(
        _ parts: Parts, sinks: [SinkHandle], replies: [Reply<[UInt8]>], storage: (any CheckpointStorage)?,
        hooks: Hooks
    ) async throws -> CheckpointStats {
        let started = ContinuousClock.now
        let barrier = parts.barrier
        var states: [StateSection] = []
        for (sink, reply) in zip(sinks, replies) {
            states.append(StateSection(id: sink.id, bytes: try await reply.value()))
        }
        let data = CheckpointData(
            id: barrier.id, createdMillis: parts.createdMillis, parallelism: parts.parallelism,
            watermark: barrier.watermark, ingest: barrier.ingest.encoded(), sources: barrier.sources,
            operators: ShardSnapshot.merge(parts.snapshots),
            pending: parts.pending, written: parts.written, sinks: states)
        var stats = CheckpointStats()
        if let storage {
            do {
                stats.lastBytes = try storage.write(data)
            } catch {
                throw RuntimeError(.checkpointFailed, "cannot write checkpoint \(barrier.id): \(error)", cause: error)
            }
        }
        for sink in sinks { try await sink.send(.commit(barrier.id)) }
        stats.count = 1
        stats.lastId = barrier.id
        stats.totalSeconds = (ContinuousClock.now - started).seconds
        var counters = barrier.counters
        counters.signalsOut = parts.written.signalsOut
        counters.unresolvedReferences = parts.written.unresolvedReferences
        hooks.onCheckpoint?(barrier.id, counters)
        if let onCompleted = hooks.onCompleted {
            let stateBytes =
                data.operators.reduce(0) { sum, state in state.groups.reduce(sum) { $0 + $1.count } }
                + data.ingest.state.count
            onCompleted(
                CompletedCheckpoint(
                    id: barrier.id, counters: counters, watermark: barrier.watermark,
                    createdMillis: parts.createdMillis, seconds: stats.totalSeconds, bytes: stats.lastBytes,
                    stateBytes: stateBytes, positions: barrier.ingest.positions, sinks: states))
        }
        // Sources hear of a checkpoint only once it is durable: without storage it never is.
        if storage != nil { hooks.onDurable?(barrier.sources) }
        return stats
    }
}

/// An error one task sets and another reads.
final class ErrorSlot: Sendable {
    let value = Mutex<(any Error)?>(nil)
}
