import FlywheelEngine

/// The outcome of decoding one input line.
public enum DecodedLine: Sendable, Equatable {
    case event(ChatEvent)
    /// Not processed. `time` is the line's timestamp when it has a valid one (used only to merge
    /// several inputs), else minus infinity.
    case invalid(ValidationFailure, time: EventTime)

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
    var recentStrings = RecentStrings()

    /// Whether prompt and response events get `textPIICount`: cheap here, where the text was just
    /// written, and a cache miss per text in a shard. Set it when conversation signals run.
    public let countsPII: Bool

    public init(maxEventBytes: Int, countsPII: Bool = false) {
        self.maxEventBytes = maxEventBytes
        self.countsPII = countsPII
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
        return withUnsafeMutablePointer(to: &recentStrings) { recentStrings in
            scanner.spans.withUnsafeBufferPointer { spans -> DecodedLine in
                let fields = FieldView(line: bytes, lineCount: line.count, spans: spans, recentStrings: recentStrings)
                do throws(ValidationFailure) {
                    var event = try fields.validatedEvent(origin: origin)
                    if event.type == .choice || event.type == .feedback || event.type == .regenerate {
                        event.origin.raw = RawText.cut(line)
                    } else if countsPII, event.type == .prompt || event.type == .response, let text = event.text {
                        event.textPIICount = PIIRedactor.count(text)
                    }
                    return .event(event)
                } catch {
                    return .invalid(error, time: fields.validTimestamp ?? .min)
                }
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
    /// The first `limit` bytes of the line (1 KiB), cut back so as not to split a UTF-8 character;
    /// invalid UTF-8 becomes U+FFFD.
    public static func cut(_ line: UnsafeRawBufferPointer, limit: Int = 1024) -> String {
        var end = Swift.min(line.count, limit)
        if end < line.count {
            // Back off over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
            var back = end
            while back > 0 && back > end - 4 && line[back] & 0xC0 == 0x80 { back -= 1 }
            if line[back] & 0xC0 == 0x80 { back = end }
            end = back
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<end]), as: UTF8.self)
    }
}
