import FlywheelEngine

/// The outcome of decoding one input line.
public enum DecodedLine: Sendable, Equatable {
    case event(ChatEvent)
    /// Not processed. `time` is the line's timestamp when it has a valid one (used only to merge
    /// several inputs), else minus infinity.
    case invalid(ValidationFailure, time: EventTime)

    /// What is left where a line was moved out (holds no memory).
    public static var moved: DecodedLine { .invalid(ValidationFailure(.malformedJSON, ""), time: .min) }

    /// The time used to merge several inputs: the timestamp, or minus infinity when there is none.
    public var mergeTime: EventTime {
        switch self {
        case .event(let event): return event.time
        case .invalid(_, let time): return time
        }
    }
}

/// Turns one JSON line into a validated `ChatEvent` or the first validation failure, in the
/// precedence order of CONTRACT section 1. Reusable across lines; owned by one task.
public struct EventDecoder: Sendable {
    public let maxEventBytes: Int
    var scanner = JSONFieldScanner(keys: ChatField.allCases.map(\.key))
    /// `StableHash.hash` of the event id of the last line decoded into an event (`IngestState.idHash(of:)`).
    public private(set) var eventIdHash: UInt64 = 0
    /// Storages of events the shards are done with (see `ChatEventPool`).
    var spares: ChatEventSpares

    /// Whether prompt and response events get `textPIICount`: cheap here, where the text was just
    /// written, and a cache miss per text in a shard. Set it when conversation signals run.
    public let countsPII: Bool

    /// `pool`: where the shards hand back the storage of events they are done with, to be filled again.
    public init(maxEventBytes: Int, countsPII: Bool = false, pool: ChatEventPool? = nil) {
        self.maxEventBytes = maxEventBytes
        self.countsPII = countsPII
        spares = ChatEventSpares(pool: pool)
    }

    /// Decodes `line` (without its "\n"). `origin` is stored in the event; its raw text is filled
    /// for the event types that can later become an unresolved reference.
    public mutating func decode(_ line: UnsafeRawBufferPointer, origin: EventOrigin) -> DecodedLine {
        if line.count > maxEventBytes {
            return .invalid(ValidationFailure(.tooLarge, "line exceeds max_event_bytes"), time: .min)
        }
        switch scanner.scan(line) {
        case .notJSON: return .invalid(ValidationFailure(.malformedJSON, "not valid JSON"), time: .min)
        case .notObject: return .invalid(ValidationFailure(.malformedJSON, "not a JSON object"), time: .min)
        case .object: break
        }
        // An object has at least its braces, so the line has a base address.
        let bytes = line.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var reused = spares.next()
        return scanner.spans.withUnsafeBufferPointer { spans -> DecodedLine in
            let fields = FieldView(line: bytes, lineCount: line.count, spans: spans, countsPII: countsPII)
            do throws(ValidationFailure) {
                let event = try fields.validatedEvent(origin: origin, reusing: reused.take())
                // From the bytes the event keeps (unescaped once, by the decoder, and in this core's cache).
                eventIdHash = event.withId(.eventId) { StableHash.hash(bytes: $0!) }
                return .event(event)
            } catch {
                return .invalid(error, time: fields.validTimestamp ?? .min)
            }
        }
    }

    /// Whether an input line is blank (nothing but spaces, tabs and "\r"): blank lines are skipped,
    /// not counted as events.
    public static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
        return true
    }

    /// Decodes a line held in a String (tests and tools).
    public mutating func decode(_ line: String, origin: EventOrigin = EventOrigin()) -> DecodedLine {
        var copy = line
        return copy.withUTF8 { decode(UnsafeRawBufferPointer($0), origin: origin) }
    }
}

/// The `raw` field of dead letters: the input cut at 1 KiB.
public enum RawText {
    /// The most bytes a raw text has (1 KiB).
    public static let limit = 1024
    /// How many bytes of a line `cut` reads at most.
    static let inputLimit = limit + 4

    /// The line with invalid UTF-8 replaced by U+FFFD, then cut to its longest prefix of at most `limit`
    /// bytes (1 KiB) that ends on a character boundary (CONTRACT 4: replacement first, so a line of
    /// invalid bytes gives at most `limit` bytes, not three times as many).
    public static func cut(_ line: UnsafeRawBufferPointer, limit: Int = RawText.limit) -> String {
        // Each input byte decodes to at least one output byte, so the first `limit` output bytes come from
        // the first `limit` input bytes, and whether their last sequence is complete from 3 more.
        let head = String(
            decoding: UnsafeRawBufferPointer(rebasing: line[0..<Swift.min(line.count, limit + 4)]), as: UTF8.self)
        guard head.utf8.count > limit else { return head }
        let bytes = Array(head.utf8)
        var end = limit
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }  // back off over continuation bytes
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }
}
