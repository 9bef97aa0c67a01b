/// A half-open event-time window `[start, end)`, aligned to the Unix epoch.
public struct Window: Hashable, Comparable, Sendable, Codable {
    public var start: EventTime
    public var end: EventTime

    @inlinable
    public init(start: EventTime, end: EventTime) {
        self.start = start
        self.end = end
    }

    /// The last timestamp inside the window; the window fires when the watermark reaches it.
    @inlinable
    public var maxTimestamp: EventTime { EventTime(millis: end.millis - 1) }

    @inlinable
    public func contains(_ t: EventTime) -> Bool { start <= t && t < end }

    /// Windows that overlap or touch merge, as Flink's session windows do.
    @inlinable
    public func overlapsOrTouches(_ other: Window) -> Bool { start <= other.end && other.start <= end }

    @inlinable
    public func union(_ other: Window) -> Window {
        Window(start: Swift.min(start, other.start), end: Swift.max(end, other.end))
    }

    /// Orders by end, then start (the order in which windows fire).
    @inlinable
    public static func < (lhs: Window, rhs: Window) -> Bool {
        (lhs.end, lhs.start) < (rhs.end, rhs.start)
    }
}
