import FlywheelRuntime
import FlywheelSignals
import Synchronization

/// Orders the end of a replay with kafka sinks: the folder gets its final names and `summary.json` only once
/// every kafka sink delivered its records, so a replay whose sink fails at its end leaves an unfinished
/// folder, as every failed replay does. (The job closes its sinks concurrently.)
final class ReplayDeliveryGate: Sendable {
    private struct State {
        var pending: Int
        var failure: String?
        var waiters: [CheckedContinuation<String?, Never>] = []
    }

    private let state: Mutex<State>

    init(pending: Int) { state = Mutex(State(pending: pending)) }

    /// Waits until every gated sink closed; the first failure, or nil.
    func wait() async -> String? {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> String?? in
                guard state.pending > 0 && state.failure == nil else { return .some(state.failure) }
                state.waiters.append(continuation)
                return .none
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    func closed(failure: String?) {
        let (waiters, result) = state.withLock { state in
            state.pending -= 1
            if state.failure == nil { state.failure = failure }
            guard state.pending <= 0 || state.failure != nil else {
                return ([CheckedContinuation<String?, Never>](), nil as String?)
            }
            defer { state.waiters = [] }
            return (state.waiters, state.failure)
        }
        waiters.forEach { $0.resume(returning: result) }
    }

    /// `sink` (the replay folder), whose `close(.finished)` waits for the gate.
    func waiting(_ sink: any Sink) -> any Sink { GatedSink(sink, gate: self, opens: false) }

    /// `sink` (a kafka sink), whose `close` reports to the gate.
    func reporting(_ sink: any Sink) -> any Sink { GatedSink(sink, gate: self, opens: true) }
}

/// A sink that passes every call on, ordered at `close` by a `ReplayDeliveryGate`.
private final class GatedSink: Sink {
    let inner: any Sink
    let gate: ReplayDeliveryGate
    /// True: reports its close to the gate; false: waits for the gate before it finishes.
    let opens: Bool

    init(_ inner: any Sink, gate: ReplayDeliveryGate, opens: Bool) {
        self.inner = inner
        self.gate = gate
        self.opens = opens
    }

    func restore(_ state: [UInt8]?) async throws { try await passing { try await inner.restore(state) } }
    func write(_ records: [SignalRecord]) async throws { try await passing { try await inner.write(records) } }
    func flush() async throws { try await passing { try await inner.flush() } }
    func snapshot(checkpoint: Int64, closing: Bool) async throws -> [UInt8] {
        try await passing { try await inner.snapshot(checkpoint: checkpoint, closing: closing) }
    }
    func commit(checkpoint: Int64) async throws { try await passing { try await inner.commit(checkpoint: checkpoint) } }

    func close(_ end: JobEnd) async throws {
        guard opens else {
            if case .finished = end, let failure = await gate.wait() {
                throw ConnectorError(.writeFailed, "the replay's files are left unfinished: \(failure)")
            }
            try await inner.close(end)
            return
        }
        try await passing { try await inner.close(end) }
        gate.closed(failure: nil)
    }

    /// Runs a call of the inner sink; a reporting sink's failure opens the gate (the folder must not wait
    /// for a sink that failed: the job is failing).
    private func passing<T>(_ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch {
            if opens { gate.closed(failure: (error as? ConnectorError)?.message ?? "\(error)") }
            throw error
        }
    }
}
