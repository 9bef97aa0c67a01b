import FlywheelSignals
import Foundation

/// How a request body holds its events.
enum IngestFormat: Sendable {
    /// JSON Lines: one event per line (`application/x-ndjson`).
    case jsonLines
    /// One JSON array of event objects (`application/json`).
    case jsonArray

    /// The format of a `Content-Type` value (parameters such as `charset` are ignored).
    init(contentType: String?) throws(ServiceError) {
        let media = (contentType ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        switch media {
        case "application/x-ndjson", "application/jsonl", "application/jsonlines": self = .jsonLines
        case "application/json": self = .jsonArray
        default:
            throw ServiceError(
                .unsupportedMediaType,
                "Content-Type \(contentType.map { "'\($0)'" } ?? "missing"): send application/x-ndjson (JSON Lines) "
                    + "or application/json (an array of event objects)")
        }
    }
}

/// One event of a request body: its bytes (one line, no newline) and its index in the body (the 0-based line
/// number for JSON Lines, the element number for an array).
struct IngestLine: Sendable {
    var index: Int
    var bytes: ArraySlice<UInt8>
}

/// Splits request bodies into event lines, keeping each event's bytes as sent (the pipeline decodes them).
enum IngestBody {
    /// The non-blank lines of a JSON Lines body, or the elements of a JSON array body.
    static func lines(of body: [UInt8], format: IngestFormat) throws(ServiceError) -> [IngestLine] {
        switch format {
        case .jsonLines: return jsonLines(body)
        case .jsonArray: return try arrayElements(body)
        }
    }

    static func jsonLines(_ body: [UInt8]) -> [IngestLine] {
        var lines: [IngestLine] = []
        var start = 0
        var index = 0
        while start < body.count {
            let end = body[start...].firstIndex(of: 0x0A) ?? body.count
            let line = body[start..<end]
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                lines.append(IngestLine(index: index, bytes: line))
            }
            index += 1
            start = end + 1
        }
        return lines
    }

    /// The elements of `[ {...}, {...} ]`, each cut at its matching brace (strings and escapes respected). Each
    /// element must start with `{`; what is inside is the decoder's to judge. New lines between tokens become
    /// spaces, so that every event is one line.
    static func arrayElements(_ body: [UInt8]) throws(ServiceError) -> [IngestLine] {
        var scan = ArrayScan(bytes: body)
        scan.skipSpace()
        guard scan.peek == UInt8(ascii: "[") else {
            throw ServiceError(
                .malformedBody,
                "the body is not a JSON array (application/json takes [ {event}, ... ]; send one event per line "
                    + "as application/x-ndjson)")
        }
        scan.position += 1
        scan.skipSpace()
        var elements: [IngestLine] = []
        if scan.peek == UInt8(ascii: "]") {
            scan.position += 1
        } else {
            while true {
                guard scan.peek == UInt8(ascii: "{") else {
                    throw ServiceError(
                        .malformedBody, "element \(elements.count) of the JSON array is not an object (an event)")
                }
                elements.append(IngestLine(index: elements.count, bytes: try scan.object(number: elements.count)))
                scan.skipSpace()
                if scan.peek == UInt8(ascii: ",") {
                    scan.position += 1
                    scan.skipSpace()
                } else if scan.peek == UInt8(ascii: "]") {
                    scan.position += 1
                    break
                } else {
                    throw ServiceError(
                        .malformedBody, "the JSON array has no ',' or ']' after element \(elements.count - 1)")
                }
            }
        }
        scan.skipSpace()
        guard scan.position == body.count else {
            throw ServiceError(.malformedBody, "the body has data after the end of its JSON array")
        }
        return elements
    }
}

/// A cursor over a JSON array body.
private struct ArrayScan {
    let bytes: [UInt8]
    var position = 0

    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    /// The object starting at `position`, up to its matching `}`, with new lines outside strings as spaces.
    mutating func object(number: Int) throws(ServiceError) -> ArraySlice<UInt8> {
        var copy: [UInt8] = []
        var depth = 0
        var inString = false
        var escaped = false
        while position < bytes.count {
            var byte = bytes[position]
            position += 1
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                case 0x0A, 0x0D: byte = 0x20
                default: break
                }
            }
            copy.append(byte)
            if depth == 0 { return copy[...] }
        }
        throw ServiceError(.malformedBody, "the JSON array ends inside element \(number)")
    }
}
