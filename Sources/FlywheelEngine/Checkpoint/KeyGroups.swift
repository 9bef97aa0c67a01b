/// Keyed state is stored by key group, a fixed number of buckets many more than shards, so a
/// checkpoint taken at one parallelism restores at any other (Flink's key groups).
public enum KeyGroups {
    /// The number of key groups; fixed for the life of a checkpoint format.
    public static let count = 128

    /// The key group of a stable key hash.
    @inlinable
    public static func group(ofHash hash: UInt64) -> Int { Int(hash % UInt64(count)) }

    /// The shard that owns a key group at `parallelism` (contiguous ranges, as in Flink).
    @inlinable
    public static func shard(ofGroup group: Int, parallelism: Int) -> Int { group * parallelism / count }

    /// The key groups owned by `shard` at `parallelism`.
    public static func groups(ofShard shard: Int, parallelism: Int) -> [Int] {
        (0..<count).filter { self.shard(ofGroup: $0, parallelism: parallelism) == shard }
    }
}

/// The stable id of a stateful operator: it names the operator's state in checkpoints, so that
/// state is found again whatever other operators are added or removed.
public struct OperatorID: Hashable, Sendable, Comparable {
    public var raw: String
    public init(_ raw: String) { self.raw = raw }
    public static func < (lhs: OperatorID, rhs: OperatorID) -> Bool { lhs.raw < rhs.raw }
}

/// One operator's keyed state at a checkpoint: one entry per key group (`KeyGroups.count`), each
/// as the operator wrote it (empty bytes: no key of that group).
public struct OperatorState: Sendable, Equatable {
    public var id: OperatorID
    public var groups: [[UInt8]]

    public init(id: OperatorID, groups: [[UInt8]]) {
        self.id = id
        self.groups = groups
    }
}

/// What one shard's operators hold at a checkpoint barrier: per operator, keyed state by key group
/// (only the groups the shard owns and that hold keys), and the watermark the shard had reached.
public struct ShardSnapshot: Sendable {
    public var watermark: EventTime
    private let state: any ShardState

    public init(operators: [OperatorID: [Int: [UInt8]]], watermark: EventTime) {
        self.watermark = watermark
        state = EncodedShardState(operators: operators)
    }

    /// A snapshot encoded only when asked: `state` is a copy of the shard's operators (value types,
    /// so taking it is cheap), and the checkpoint's writer encodes it off the data path.
    public init(watermark: EventTime, state: any ShardState) {
        self.watermark = watermark
        self.state = state
    }

    /// Per operator, the state of each key group holding keys (encoded now).
    public var operators: [OperatorID: [Int: [UInt8]]] { state.encodedState() }

    /// Every shard's snapshot merged into one state per operator, each with all key groups.
    public static func merge(_ snapshots: some Sequence<ShardSnapshot>) -> [OperatorState] {
        var merged: [OperatorID: [[UInt8]]] = [:]
        for snapshot in snapshots {
            for (id, groups) in snapshot.operators {
                var all = merged[id] ?? Array(repeating: [], count: KeyGroups.count)
                for (group, bytes) in groups { all[group] = bytes }
                merged[id] = all
            }
        }
        return merged.keys.sorted().map { OperatorState(id: $0, groups: merged[$0]!) }
    }
}

/// A shard's operators as a checkpoint keeps them, encoded on demand.
public protocol ShardState: Sendable {
    /// Per operator, the state of each key group holding keys.
    func encodedState() -> [OperatorID: [Int: [UInt8]]]
}

struct EncodedShardState: ShardState {
    var operators: [OperatorID: [Int: [UInt8]]]
    func encodedState() -> [OperatorID: [Int: [UInt8]]] { operators }
}

/// An operator state that can be split by key group and restored into another instance.
public protocol KeyGroupedState {
    /// Appends the state of every key to the writer of its key group (`writers` has
    /// `KeyGroups.count` entries).
    func snapshot(into writers: inout [StateWriter])
    /// Adds the state of one key group written by `snapshot`.
    mutating func restore(from reader: inout StateReader) throws(CheckpointError)
}
