/// Out-of-order commits (as uForwarder tracks them): records are taken in offset order, settle in any
/// order, and the committed offset of a partition moves only past records that are settled. After a
/// restart from the committed offsets, nothing settled is lost; records settled past the first
/// unsettled one are delivered again (at least once).
public struct OffsetTracker: Sendable {
    private struct Partition: Sendable {
        /// The first offset not yet settled (everything before it is).
        var committed: Int64
        /// Settlement flags of offsets committed..<committed + flags.count that were taken.
        var flags: [Bool] = []
        var head = 0
        /// The offset after the last taken one.
        var next: Int64
    }

    private var partitions: [Int32: Partition] = [:]

    public init() {}

    /// Starts tracking `partition` at `offset` (where reading starts).
    public mutating func start(partition: Int32, at offset: Int64) {
        partitions[partition] = Partition(committed: offset, next: offset)
    }

    /// Records taken for delivery, in offset order per partition (gaps, e.g. records skipped, count as settled).
    public mutating func took(partition: Int32, offset: Int64) {
        var state = partitions[partition] ?? Partition(committed: offset, next: offset)
        precondition(offset >= state.next, "offsets of a partition are taken in order")
        while state.next < offset {  // skipped offsets are settled
            state.flags.append(true)
            state.next += 1
        }
        state.flags.append(false)
        state.next = offset + 1
        partitions[partition] = state
        advance(partition)
    }

    /// Records settled (delivered or dead-lettered).
    public mutating func settled(partition: Int32, offset: Int64) {
        guard var state = partitions[partition] else { return }
        let index = Int(offset - state.committed) + state.head
        guard offset >= state.committed, index < state.flags.count else { return }
        state.flags[index] = true
        partitions[partition] = state
        advance(partition)
    }

    private mutating func advance(_ partition: Int32) {
        guard var state = partitions[partition] else { return }
        while state.head < state.flags.count, state.flags[state.head] {
            state.head += 1
            state.committed += 1
        }
        if state.head > 4096, state.head * 2 > state.flags.count {
            state.flags.removeFirst(state.head)
            state.head = 0
        }
        partitions[partition] = state
    }

    /// The offset to resume `partition` from: the first one not settled.
    public func committed(_ partition: Int32) -> Int64? { partitions[partition]?.committed }

    /// Records taken and not settled, over all partitions.
    public var outstanding: Int {
        partitions.values.reduce(0) { total, state in total + state.flags[state.head...].lazy.filter { !$0 }.count }
    }
}
