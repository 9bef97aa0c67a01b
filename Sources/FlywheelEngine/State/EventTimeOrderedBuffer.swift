/// What orders records of the same event time in an `EventTimeOrderedBuffer`: UTF-8 bytes (an event's id),
/// compared in code-point order. Read from the record itself, so the buffer keeps no copy of them.
public protocol EventTimeTieBreaking {
    /// Calls `body` with the bytes that order this record among records of the same time.
    func withTieBreakUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R
}

/// Holds records until the watermark passes them, then releases them in event-time order
/// (ties broken by their `EventTimeTieBreaking` bytes, then by arrival).
///
/// This is how non-windowed operators see a stream that is independent of arrival order within
/// the out-of-orderness bound. A binary heap of small fixed-size keys over slot storage, so that
/// sifting never copies the records. Owned by one shard; not thread-safe.
public struct EventTimeOrderedBuffer<Element: EventTimeTieBreaking> {
    private struct Key {
        var time: Int64
        var arrival: UInt64
        var slot: Int
    }

    private var heap: [Key] = []
    private var elements: [Element?] = []
    private var freeSlots: [Int] = []
    private var arrivals: UInt64 = 0

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }

    /// The event time of the next record to release.
    public var nextTime: EventTime? { heap.first.map { EventTime(millis: $0.time) } }

    /// Takes `element` over (a copy would count a reference to the record).
    public mutating func insert(_ element: consuming Element, time: EventTime) {
        arrivals += 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            elements[slot] = consume element
        } else {
            slot = elements.count
            elements.append(consume element)
        }
        heap.append(Key(time: time.millis, arrival: arrivals, slot: slot))
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest record if its time is at most `limit`.
    public mutating func popFirst(notAfter limit: EventTime) -> Element? {
        guard let first = heap.first, first.time <= limit.millis else { return nil }
        _ = removeFirstKey()
        let element = elements[first.slot].take()
        freeSlots.append(first.slot)
        if heap.count * 8 < elements.count && elements.count > Self.slotsKeptAlways { compact() }
        return element
    }

    /// Slots kept however few records are held: below this, a compaction would cost more than the memory.
    static var slotsKeptAlways: Int { 1024 }

    /// Slots used after the records held at once peaked (a burst of events within the out-of-orderness
    /// bound) are let go once fewer than an eighth hold a record: the held records move to the first slots,
    /// in new arrays twice their count, so that a burst's memory returns to the allocator instead of staying
    /// with the operator for good. The heap keeps its order (only the slot numbers change).
    private mutating func compact() {
        var keptElements: [Element?] = []
        var keptHeap: [Key] = []
        keptElements.reserveCapacity(heap.count * 2)
        keptHeap.reserveCapacity(heap.count * 2)
        for index in heap.indices {
            let slot = heap[index].slot
            keptElements.append(elements[slot].take())
            keptHeap.append(Key(time: heap[index].time, arrival: heap[index].arrival, slot: index))
        }
        (elements, heap, freeSlots) = (keptElements, keptHeap, [])
    }

    /// Slots in use or free (tests of `compact`).
    var slotCount: Int { elements.count }

    /// Every held record with its time, in release order (for checkpoints).
    public func elementsInOrder() -> [(time: EventTime, element: Element)] {
        elements.withUnsafeBufferPointer { elements in heap.sorted { Self.less($0, $1, elements) } }.compactMap {
            key in elements[key.slot].map { (EventTime(millis: key.time), $0) }
        }
    }

    private static func less(_ a: Key, _ b: Key, _ elements: UnsafeBufferPointer<Element?>) -> Bool {
        if a.time != b.time { return a.time < b.time }
        // Code points (CONTRACT 1): bytes, never canonical equivalence, which would let "e\u{301}" and "\u{E9}"
        // tie and fall back to arrival order. Only records of the same time read their bytes.
        let order = elements[a.slot]!.withTieBreakUTF8 { ta in
            elements[b.slot]!.withTieBreakUTF8 { tb in ta.hasSameBytes(as: tb) ? 0 : ta.utf8Precedes(tb) ? -1 : 1 }
        }
        return order != 0 ? order < 0 : a.arrival < b.arrival
    }

    // The records are read through a pointer while the heap changes: capturing the array would retain and
    // release it at every insert and release (1.3 % of a replay's CPU). The heap is taken out of `self` meanwhile:
    // changing it in place while the records' array is borrowed from `self` made the compiler count a reference
    // to that array (a retain and a release per call).
    private mutating func siftUp(_ start: Int) {
        var keys = takeHeap()
        elements.withUnsafeBufferPointer { elements in
            KeyHeap.siftUp(&keys, from: start) { Self.less($0, $1, elements) }
        }
        heap = consume keys
    }

    private mutating func removeFirstKey() -> Key {
        var keys = takeHeap()
        let first = elements.withUnsafeBufferPointer { elements in
            KeyHeap.removeFirst(&keys) { Self.less($0, $1, elements) }
        }
        heap = consume keys
        return first
    }

    /// The heap, moved out of `self` (left empty).
    private mutating func takeHeap() -> [Key] {
        var keys: [Key] = []
        swap(&keys, &heap)
        return keys
    }
}

extension EventTimeOrderedBuffer: Sendable where Element: Sendable {}
