import Collections
import FlywheelEngine

/// Puts records from every shard into the file order of CONTRACT section 6, releasing each
/// record as soon as no shard can still produce one that sorts before it.
///
/// Shards report the watermark and input sequence they have processed; a window or session record
/// is final once the slowest shard's watermark passes its end (plus the allowed lateness), a pair
/// once it passes its timestamp, a dead letter once the slowest shard passes its input element.
public struct OrderedOutput {
    struct Pending: Comparable {
        var record: SignalRecord
        var arrival: UInt64
        static func == (lhs: Pending, rhs: Pending) -> Bool { lhs.arrival == rhs.arrival }
        static func < (lhs: Pending, rhs: Pending) -> Bool {
            lhs.record.key != rhs.record.key ? lhs.record.key < rhs.record.key : lhs.arrival < rhs.arrival
        }
    }

    var pending: [Heap<Pending>]
    private var shardWatermarks: [EventTime]
    private var shardSequences: [Int64]
    private var arrivals: UInt64 = 0
    private let allowedLatenessMs: Int64
    /// Each kind's release rule, by raw value.
    private let rules = RecordKind.allCases.map(\.descriptor.release)

    public init(shards: Int, allowedLatenessMs: Int64) {
        pending = Array(repeating: Heap(), count: RecordKind.allCases.count)
        shardWatermarks = Array(repeating: .min, count: shards)
        shardSequences = Array(repeating: 0, count: shards)
        self.allowedLatenessMs = allowedLatenessMs
    }

    /// Records waiting for their turn.
    public var pendingCount: Int { pending.reduce(0) { $0 + $1.count } }

    /// Adds records produced by the producer itself (validation dead letters, late events).
    public mutating func addSide(_ records: consuming [SignalRecord]) {
        insert(records)
    }

    /// Adds a shard's records and the progress they stand for.
    public mutating func add(
        _ records: consuming [SignalRecord], shard: Int, watermark: EventTime, sequence: Int64
    ) {
        insert(records)
        shardWatermarks[shard] = Swift.max(shardWatermarks[shard], watermark)
        shardSequences[shard] = Swift.max(shardSequences[shard], sequence)
    }

    /// Hands every record that is final to `write`, in file order per kind.
    public mutating func drainReady(_ write: (consuming SignalRecord) throws -> Void) rethrows {
        let watermark = shardWatermarks.min() ?? .min
        let sequence = shardSequences.min() ?? 0
        for kind in RecordKind.allCases {
            let limit = rules[kind.rawValue].limit(
                watermark: watermark, sequence: sequence, allowedLatenessMs: allowedLatenessMs)
            while let first = firstKey(kind), first <= limit {
                try write(pending[kind.rawValue].removeMin().record)
            }
        }
    }

    /// The first sort-key component of the next record of `kind`, read in place: `Heap.min` would
    /// copy the record (a retain of its line and key strings).
    private func firstKey(_ kind: RecordKind) -> Int64? {
        pending[kind.rawValue].unordered.withUnsafeBufferPointer { $0.isEmpty ? nil : $0[0].record.key.first }
    }

    /// Hands every remaining record to `write` (end of input).
    public mutating func drainAll(_ write: (consuming SignalRecord) throws -> Void) rethrows {
        for kind in RecordKind.allCases {
            while !pending[kind.rawValue].isEmpty { try write(pending[kind.rawValue].removeMin().record) }
        }
    }

    /// Moves the records in, numbered in their order: taken from the back, each is moved out of the
    /// array instead of copied (a retain of its line and key strings).
    private mutating func insert(_ records: consuming [SignalRecord]) {
        var records = records
        let first = arrivals + 1
        arrivals += UInt64(records.count)
        while let record = records.popLast() {
            let arrival = first + UInt64(records.count)
            let kind = record.kind.rawValue
            pending[kind].insert(Pending(record: consume record, arrival: arrival))
        }
    }

}
