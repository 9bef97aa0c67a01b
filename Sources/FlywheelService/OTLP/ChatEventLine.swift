import FlywheelEngine
import Foundation

/// A chat event (CONTRACT section 1) built from OpenTelemetry data, written as one JSON line for the events topic.
///
/// Absent fields are left out of the line. The line is judged by the pipeline's decoder like any other.
struct ChatEventLine: Encodable, Sendable, Equatable {
    var eventId: String
    var type: String
    var timestamp: String
    var conversationId: String
    var userId: String?
    var messageId: String?
    var parentId: String?
    var model: String?
    var variant: String?
    var text: String?
    var latencyMs: Double?
    var tokensIn: Int64?
    var tokensOut: Int64?
    var rating: String?
    var comment: String?
    var errorCode: String?

    enum CodingKeys: String, CodingKey {
        case eventId = "event_id"
        case type
        case timestamp
        case conversationId = "conversation_id"
        case userId = "user_id"
        case messageId = "message_id"
        case parentId = "parent_id"
        case model
        case variant
        case text
        case latencyMs = "latency_ms"
        case tokensIn = "tokens_in"
        case tokensOut = "tokens_out"
        case rating
        case comment
        case errorCode = "error_code"
    }

    /// The RFC 3339 UTC timestamp (milliseconds, extra digits truncated) of a Unix time in nanoseconds.
    static func timestamp(unixNanos: UInt64) -> String {
        var bytes: [UInt8] = []
        EventTime(millis: Int64(unixNanos / 1_000_000)).appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Stable identifiers derived from OpenTelemetry ids and content, so that a retried export gives the same event
/// ids (and the pipeline drops the copies).
enum OTLPIdentifiers {
    /// Lowercase hex of `bytes` (trace and span ids, as OTLP/JSON writes them).
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A 128-bit FNV-1a digest (two 64-bit lanes with different offsets) of `parts`, as 32 hex digits. Stable
    /// across processes and machines, unlike `Hasher`.
    static func digest(_ parts: [String]) -> String {
        var low: UInt64 = 0xcbf2_9ce4_8422_2325
        var high: UInt64 = 0x6c62_272e_07bb_0142
        for part in parts {
            for byte in part.utf8 {
                low = (low ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                high = (high ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            // A separator that cannot occur in UTF-8, so that ["ab", "c"] and ["a", "bc"] differ.
            low = (low ^ 0xFF) &* 0x0000_0100_0000_01B3
            high = (high ^ 0xFE) &* 0x0000_0100_0000_01B3
        }
        return String(format: "%016llx%016llx", high, low)
    }
}
