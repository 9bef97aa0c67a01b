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

/// What one shard's operators hold at a checkpoint barrier: keyed state per key group, and the
/// watermark the shard had reached.
public struct ShardSnapshot: Sendable {
    public var groups: [Int: [UInt8]]
    public var watermark: EventTime

    public init(groups: [Int: [UInt8]], watermark: EventTime) {
        self.groups = groups
        self.watermark = watermark
    }
}

/// An operator state that can be split by key group and restored into another instance.
public protocol KeyGroupedState {
    /// Appends the state of every key to the writer of its key group (`writers` has
    /// `KeyGroups.count` entries).
    func snapshot(into writers: inout [StateWriter])
    /// Adds the state of one key group written by `snapshot`.
    mutating func restore(from reader: inout StateReader) throws(CheckpointError)
}
