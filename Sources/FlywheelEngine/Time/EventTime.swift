/// A point in event time: milliseconds since the Unix epoch, UTC.
///
/// `EventTime.min` and `EventTime.max` stand for minus and plus infinity (a watermark before any
/// event, and the watermark at the end of a finite input).
public struct EventTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var millis: Int64

    @inlinable
    public init(millis: Int64) { self.millis = millis }

    public static let min = EventTime(millis: .min)
    public static let max = EventTime(millis: .max)

    @inlinable
    public static func < (lhs: EventTime, rhs: EventTime) -> Bool { lhs.millis < rhs.millis }

    /// Adds a duration in milliseconds, saturating at the infinities.
    @inlinable
    public func adding(_ ms: Int64) -> EventTime {
        let (sum, overflow) = millis.addingReportingOverflow(ms)
        if overflow { return ms > 0 ? .max : .min }
        return EventTime(millis: sum)
    }

    public var description: String { rfc3339 }
}
