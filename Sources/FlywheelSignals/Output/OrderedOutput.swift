import FlywheelEngine

/// Puts records from every shard into the file order of CONTRACT section 6, releasing each
/// record as soon as no shard can still produce one that sorts before it.
///
/// Shards report the watermark and input sequence they have processed; a window or session record
/// is final once the slowest shard's watermark passes its end (plus the allowed lateness), a pair
/// once it passes its timestamp, a dead letter once the slowest shard passes its input element.
public struct OrderedOutput {
    var pending: [RecordQueue]
    private var shardWatermarks: [EventTime]
    private var shardSequences: [Int64]
    private var arrivals: UInt64 = 0
    private let allowedLatenessMs: Int64
    /// Each kind's release rule, by raw value.
    private let rules = RecordKind.allCases.map(\.descriptor.release)

    public init(shards: Int, allowedLatenessMs: Int64) {
        pending = Array(repeating: RecordQueue(), count: RecordKind.allCases.count)
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
            while let first = pending[kind.rawValue].firstKey, first <= limit {
                try write(pending[kind.rawValue].removeFirst())
            }
        }
    }

    /// Hands every remaining record to `write` (end of input).
    public mutating func drainAll(_ write: (consuming SignalRecord) throws -> Void) rethrows {
        for kind in RecordKind.allCases {
            while !pending[kind.rawValue].isEmpty { try write(pending[kind.rawValue].removeFirst()) }
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
            pending[kind].insert(record, arrival: arrival)
        }
    }
}

/// The records of one kind waiting for their turn, in sort-key order, then arrival order.
///
/// A binary heap of small fixed-size keys (the key's two numbers, the arrival number, a slot) over slot
/// storage: sifting moves 32-byte values and never copies a record (a heap of records copied each one it
/// compared: a retain and release of its line and key strings, a tenth of the collector's time). The key's
/// texts are compared in their slots, and only when the numbers tie.
struct RecordQueue {
    private struct Key {
        var first: Int64
        var second: Int64
        var arrival: UInt64
        var slot: Int
    }

    private var heap: [Key] = []
    private var records: [SignalRecord?] = []
    /// `records[slot]?.key.text1` and `text2`, kept apart so that comparisons read them in place.
    private var texts: [(String, String)] = []
    private var freeSlots: [Int] = []

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    /// The first sort-key component of the next record.
    var firstKey: Int64? { heap.first?.first }

    mutating func insert(_ record: consuming SignalRecord, arrival: UInt64) {
        let key = record.key
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            texts[slot] = (key.text1, key.text2)
            records[slot] = consume record
        } else {
            slot = records.count
            texts.append((key.text1, key.text2))
            records.append(consume record)
        }
        heap.append(Key(first: key.first, second: key.second, arrival: arrival, slot: slot))
        siftUp(heap.count - 1)
    }

    /// Removes and returns the first record; the queue must not be empty.
    mutating func removeFirst() -> SignalRecord {
        let first = removeFirstKey()
        texts[first.slot] = ("", "")
        freeSlots.append(first.slot)
        return records[first.slot].take()!
    }

    /// Every waiting record in order (for checkpoints).
    func recordsInOrder() -> [SignalRecord] {
        heap.sorted { Self.less($0, $1, texts) }.map { records[$0.slot]! }
    }

    private static func less(_ a: Key, _ b: Key, _ texts: [(String, String)]) -> Bool {
        if a.first != b.first { return a.first < b.first }
        if a.second != b.second { return a.second < b.second }
        return texts.withUnsafeBufferPointer { texts in
            // Code-point order (OutputSortKey's), read in place.
            if !texts[a.slot].0.isExactly(texts[b.slot].0) { return utf8Precedes(texts[a.slot].0, texts[b.slot].0) }
            if !texts[a.slot].1.isExactly(texts[b.slot].1) { return utf8Precedes(texts[a.slot].1, texts[b.slot].1) }
            return a.arrival < b.arrival
        }
    }

    // The texts are captured (one retain), as the heap is being modified meanwhile.
    private mutating func siftUp(_ start: Int) {
        KeyHeap.siftUp(&heap, from: start) { [texts] in Self.less($0, $1, texts) }
    }

    private mutating func removeFirstKey() -> Key {
        KeyHeap.removeFirst(&heap) { [texts] in Self.less($0, $1, texts) }
    }
}
