import FlywheelEngine

/// Encodes the side outputs of CONTRACT section 4.
public enum SideOutputs {
    /// A validation or reference failure. `sequence` is the arrival number of the input element
    /// after which it arose; `time` and `eventId` order failures raised by the same element.
    public static func deadLetter(
        _ failure: ValidationFailure, source: String, position: Int64, raw: String,
        sequence: Int64, time: EventTime = .min, eventId: String = ""
    ) -> SignalRecord {
        var writer = JSONWriter()
        writer.field("signal", "dead_letter")
        writer.field("reason", failure.reason.rawValue)
        writer.field("detail", failure.detail)
        writer.field("source", source)
        writer.field("position", position)
        writer.field("raw", raw)
        return SignalRecord(
            kind: .deadLetter, key: OutputSortKey(sequence, time.millis, eventId), line: writer.finishLine(),
            isUnresolvedReference: failure.reason == .unresolvedReference)
    }

    /// An event that arrived at or behind the watermark (minus the allowed lateness).
    public static func lateEvent(
        _ event: ChatEvent, watermark: EventTime, source: String, sequence: Int64
    ) -> SignalRecord {
        var writer = JSONWriter()
        writer.field("signal", "late_event")
        writer.field("event_id", event.eventId)
        writer.field("type", event.type.rawValue)
        writer.field("timestamp", time: event.time)
        writer.field("watermark", time: watermark)
        writer.field("source", source)
        writer.field("position", event.origin.position)
        return SignalRecord(kind: .lateEvent, key: OutputSortKey(sequence), line: writer.finishLine())
    }
}
