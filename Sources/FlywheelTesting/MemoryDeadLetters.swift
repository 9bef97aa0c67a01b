import FlywheelConnectors
import Synchronization

/// A dead-letter queue in memory, for tests; it can be told to fail.
public final class MemoryDeadLetters: DeadLetterWriter {
    private let state = Mutex<(letters: [DeadLetter], synced: Int, failing: Bool)>(([], 0, false))

    public init() {}

    public func write(_ letters: [DeadLetter]) throws(ConnectorError) {
        try state.withLock { (state) throws(ConnectorError) in
            if state.failing { throw ConnectorError(.writeFailed, "dead-letter queue: disk full (test)") }
            state.letters += letters
        }
    }

    public func sync() throws(ConnectorError) {
        try state.withLock { (state) throws(ConnectorError) in
            if state.failing { throw ConnectorError(.writeFailed, "dead-letter queue: disk full (test)") }
            state.synced = state.letters.count
        }
    }

    public func close() {}

    /// Every letter written, in order.
    public var letters: [DeadLetter] { state.withLock { $0.letters } }
    /// How many were durable at the last `sync`.
    public var synced: Int { state.withLock { $0.synced } }
    /// Makes writes and syncs fail (a full disk).
    public func fail(_ failing: Bool = true) { state.withLock { $0.failing = failing } }
}
