import FlywheelRuntime
import FlywheelSignals
import Synchronization

/// A sink that keeps what it is given in memory, for tests: the records per kind in release
/// order, the flushes, snapshots, commits and how the job ended; a test awaits a condition on them.
public final class CollectingSink: Sink, Sendable {
    public struct Contents: Sendable {
        public var records: [RecordKind: [String]] = [:]
        public var flushes = 0
        public var snapshots: [Int64] = []
        public var commits: [Int64] = []
        public var restoredFrom: [UInt8]?
        public var ended: JobEnd?

        /// Every record of `kind`, as JSON lines without "\n".
        public func lines(_ kind: RecordKind) -> [String] { records[kind] ?? [] }
    }

    private struct State {
        var contents = Contents()
        var waiters: [(condition: @Sendable (Contents) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    // Mutex protects the contents and the waiters; waiters are resumed outside the lock.
    private let state = Mutex(State())

    public init() {}

    public var contents: Contents { state.withLock { $0.contents } }

    /// Returns once `condition` holds for the contents.
    public func wait(until condition: @escaping @Sendable (Contents) -> Bool) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> Bool in
                if condition(s.contents) { return true }
                s.waiters.append((condition, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func change(_ body: (inout Contents) -> Void) {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            body(&s.contents)
            let contents = s.contents
            let ready = s.waiters.filter { $0.condition(contents) }.map(\.continuation)
            s.waiters.removeAll { $0.condition(contents) }
            return ready
        }
        ready.forEach { $0.resume() }
    }

    public func restore(_ state: [UInt8]?) async throws { change { $0.restoredFrom = state } }

    public func write(_ records: [SignalRecord]) async throws {
        change { contents in
            for record in records {
                contents.records[record.kind, default: []].append(
                    String(decoding: record.line.dropLast(), as: UTF8.self))
            }
        }
    }

    public func flush() async throws { change { $0.flushes += 1 } }

    public func snapshot(checkpoint: Int64, closing: Bool) async throws -> [UInt8] {
        change { $0.snapshots.append(checkpoint) }
        return [UInt8(truncatingIfNeeded: checkpoint)]
    }

    public func commit(checkpoint: Int64) async throws { change { $0.commits.append(checkpoint) } }

    public func close(_ end: JobEnd) async throws { change { $0.ended = end } }
}
