import Collections

/// Holds records until the watermark passes them, then releases them in event-time order
/// (ties broken by a string key, then by arrival).
///
/// This is how non-windowed operators see a stream that is independent of arrival order within
/// the out-of-orderness bound. Owned by one shard; not thread-safe.
public struct EventTimeOrderedBuffer<Element> {
    private var heap = Heap<Entry>()
    private var arrivals: UInt64 = 0

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }

    /// The event time of the next record to release.
    public var nextTime: EventTime? { heap.min?.time }

    public mutating func insert(_ element: Element, time: EventTime, tieBreak: String) {
        arrivals += 1
        heap.insert(Entry(time: time, tieBreak: tieBreak, arrival: arrivals, element: element))
    }

    /// Removes and returns the earliest record if its time is at most `limit`.
    public mutating func popFirst(notAfter limit: EventTime) -> Element? {
        guard let first = heap.min, first.time <= limit else { return nil }
        return heap.removeMin().element
    }

    struct Entry: Comparable {
        var time: EventTime
        var tieBreak: String
        var arrival: UInt64
        var element: Element

        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.arrival == rhs.arrival }
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            if lhs.time != rhs.time { return lhs.time < rhs.time }
            if lhs.tieBreak != rhs.tieBreak { return lhs.tieBreak < rhs.tieBreak }
            return lhs.arrival < rhs.arrival
        }
    }
}

extension EventTimeOrderedBuffer: Sendable where Element: Sendable {}
extension EventTimeOrderedBuffer.Entry: Sendable where Element: Sendable {}
