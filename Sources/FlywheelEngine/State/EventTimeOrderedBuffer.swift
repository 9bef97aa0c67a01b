/// Holds records until the watermark passes them, then releases them in event-time order
/// (ties broken by a string key, then by arrival).
///
/// This is how non-windowed operators see a stream that is independent of arrival order within
/// the out-of-orderness bound. A binary heap of small fixed-size keys over slot storage, so that
/// sifting never copies the records. Owned by one shard; not thread-safe.
public struct EventTimeOrderedBuffer<Element> {
    private struct Key {
        var time: Int64
        var arrival: UInt64
        var slot: Int
    }

    private var heap: [Key] = []
    private var elements: [Element?] = []
    private var ties: [String] = []
    private var freeSlots: [Int] = []
    private var arrivals: UInt64 = 0

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }

    /// The event time of the next record to release.
    public var nextTime: EventTime? { heap.first.map { EventTime(millis: $0.time) } }

    public mutating func insert(_ element: Element, time: EventTime, tieBreak: String) {
        arrivals += 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            elements[slot] = element
            ties[slot] = tieBreak
        } else {
            slot = elements.count
            elements.append(element)
            ties.append(tieBreak)
        }
        heap.append(Key(time: time.millis, arrival: arrivals, slot: slot))
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest record if its time is at most `limit`.
    public mutating func popFirst(notAfter limit: EventTime) -> Element? {
        guard let first = heap.first, first.time <= limit.millis else { return nil }
        _ = removeFirstKey()
        let element = elements[first.slot].take()
        ties[first.slot] = ""
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
        var keptTies: [String] = []
        var keptHeap: [Key] = []
        keptElements.reserveCapacity(heap.count * 2)
        keptTies.reserveCapacity(heap.count * 2)
        keptHeap.reserveCapacity(heap.count * 2)
        for index in heap.indices {
            let slot = heap[index].slot
            keptElements.append(elements[slot].take())
            keptTies.append(ties[slot])
            keptHeap.append(Key(time: heap[index].time, arrival: heap[index].arrival, slot: index))
        }
        (elements, ties, heap, freeSlots) = (keptElements, keptTies, keptHeap, [])
    }

    /// Slots in use or free (tests of `compact`).
    var slotCount: Int { elements.count }

    /// Every held record with its time and tie-break, in release order (for checkpoints).
    public func elementsInOrder() -> [(time: EventTime, tieBreak: String, element: Element)] {
        ties.withUnsafeBufferPointer { ties in heap.sorted { Self.less($0, $1, ties) } }.compactMap { key in
            elements[key.slot].map { (EventTime(millis: key.time), ties[key.slot], $0) }
        }
    }

    private static func less(_ a: Key, _ b: Key, _ ties: UnsafeBufferPointer<String>) -> Bool {
        if a.time != b.time { return a.time < b.time }
        let (ta, tb) = (ties[a.slot], ties[b.slot])
        // Code points (CONTRACT 1): `!=` is canonical equivalence, which would let "e\u{301}" and "\u{E9}"
        // tie and fall back to arrival order.
        if !ta.isExactly(tb) { return utf8Precedes(ta, tb) }
        return a.arrival < b.arrival
    }

    // The tie-breaks are read through a pointer while the heap changes: capturing the array would retain and
    // release it at every insert and release (1.3 % of a replay's CPU).
    private mutating func siftUp(_ start: Int) {
        ties.withUnsafeBufferPointer { ties in KeyHeap.siftUp(&heap, from: start) { Self.less($0, $1, ties) } }
    }

    private mutating func removeFirstKey() -> Key {
        ties.withUnsafeBufferPointer { ties in KeyHeap.removeFirst(&heap) { Self.less($0, $1, ties) } }
    }
}

extension EventTimeOrderedBuffer: Sendable where Element: Sendable {}
