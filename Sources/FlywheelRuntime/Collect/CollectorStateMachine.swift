import FlywheelEngine
import FlywheelSignals

/// The alignment of checkpoint barriers at the collector, as a value: it takes events and says
/// which to handle now and which to hold, and when a checkpoint is complete.
///
/// As in Chandy-Lamport / Flink: once a sender (the ingest, or a shard) has delivered its part of
/// barrier k, whatever it sends next is held back until every part of k has arrived, so that the
/// checkpoint holds exactly the records produced before the barrier.
struct CollectorStateMachine {
    typealias Event = CollectorEvent<SignalRecord, JobSide>

    enum Action {
        /// Handle the event now.
        case handle(Event)
        /// Held back until the current checkpoint completes.
        case hold
    }

    let parallelism: Int
    private var barrier: JobSide.Barrier?
    private var snapshots: [Int: ShardSnapshot] = [:]
    private var held: [Event] = []

    init(parallelism: Int) { self.parallelism = parallelism }

    /// Takes `event` over: the ingest's barrier and the shards' snapshots are kept here.
    mutating func receive(_ event: consuming Event) -> Action {
        if isBlocked(event) {
            held.append(event)
            return .hold
        }
        switch consume event {
        case .side(.barrier(let next)):
            barrier = next
            return .hold
        case .snapshot(let shard, _, let state):
            snapshots[shard] = state
            return .hold
        case let other:
            return .handle(other)
        }
    }

    private func isBlocked(_ event: Event) -> Bool {
        switch event {
        case .side: return barrier != nil
        case .shardOutput(let shard, _, _, _), .snapshot(let shard, _, _), .closed(let shard):
            return snapshots[shard] != nil
        }
    }

    /// The checkpoint, once every part of it has arrived: then the machine resets, and the events
    /// held back are returned to be received again, in order.
    mutating func takeAligned() -> (barrier: JobSide.Barrier, snapshots: [ShardSnapshot], held: [Event])? {
        guard let current = barrier, snapshots.count == parallelism else { return nil }
        let parts = (0..<parallelism).compactMap { snapshots[$0] }
        barrier = nil
        snapshots = [:]
        var released: [Event] = []
        swap(&released, &held)
        return (current, parts, released)
    }

    /// Every event was handled: nothing may be held back at the end.
    var isDrained: Bool { held.isEmpty && barrier == nil && snapshots.isEmpty }
}
