import FlywheelRuntime
import Synchronization

/// Checkpoint storage in memory, for tests: keeps every checkpoint written, in order.
public final class MemoryCheckpoints: CheckpointStorage, Sendable {
    private let written = Mutex<[CheckpointData]>([])

    public init() {}

    public var all: [CheckpointData] { written.withLock { $0 } }
    public var latest: CheckpointData? { all.last }

    public func write(_ data: CheckpointData) throws -> Int {
        let bytes = data.encoded()
        // Stored as decoded from its bytes, so that a test resumes from what a file would give back.
        let copy = try CheckpointData(decoding: bytes)
        written.withLock { $0.append(copy) }
        return bytes.count
    }
}
