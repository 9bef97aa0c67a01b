import Foundation
import SwiftProtobuf

/// The two encodings of OTLP/HTTP: binary protobuf (`application/x-protobuf`) and the OTLP/JSON mapping
/// (`application/json`). A response uses the request's encoding.
enum OTLPEncoding: Sendable {
    case protobuf
    case json

    /// The encoding of a `Content-Type` value (parameters such as `charset` are ignored).
    init(contentType: String?) throws(ServiceError) {
        let media = (contentType ?? "").split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        switch media {
        case "application/x-protobuf", "application/protobuf": self = .protobuf
        case "application/json": self = .json
        default:
            throw ServiceError(
                .unsupportedMediaType,
                "Content-Type \(contentType.map { "'\($0)'" } ?? "missing"): OTLP/HTTP takes application/x-protobuf "
                    + "or application/json")
        }
    }

    var contentType: String {
        switch self {
        case .protobuf: return "application/x-protobuf"
        case .json: return "application/json"
        }
    }

    /// Decodes a request. OTLP/JSON differs from the protobuf JSON mapping in one way that matters here: trace and
    /// span ids are hex, not base64; they are rewritten before decoding. Unknown fields are ignored, as OTLP asks.
    func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from body: [UInt8]) throws(ServiceError) -> M {
        do {
            switch self {
            case .protobuf:
                return try M(serializedBytes: body)
            case .json:
                var options = JSONDecodingOptions()
                options.ignoreUnknownFields = true
                return try M(jsonUTF8Bytes: OTLPJSONIds.hexToBase64(body), options: options)
            }
        } catch {
            throw ServiceError(
                .malformedBody,
                "the body is not a valid OTLP \(M.protoMessageName) in \(contentType) (\(error))", cause: error)
        }
    }

    /// Encodes a response message.
    func encode(_ message: some SwiftProtobuf.Message) -> [UInt8] {
        // Encoding a message built here cannot fail (no Any fields with unknown types, no required fields).
        switch self {
        case .protobuf:
            let bytes: [UInt8]? = try? message.serializedBytes()
            return bytes ?? []
        case .json:
            let bytes: [UInt8]? = try? message.jsonUTF8Bytes()
            return bytes ?? Array("{}".utf8)
        }
    }
}

/// Rewrites the hex trace and span ids of an OTLP/JSON body (`traceId`, `spanId`, `parentSpanId`, and their
/// snake-case forms) into the base64 that the protobuf JSON mapping expects. Values that are not hex of the
/// id's length are left for the decoder to judge.
enum OTLPJSONIds {
    private static let traceKeys: Set<[UInt8]> = [Array("traceId".utf8), Array("trace_id".utf8)]
    private static let spanKeys: Set<[UInt8]> = [
        Array("spanId".utf8), Array("span_id".utf8), Array("parentSpanId".utf8), Array("parent_span_id".utf8),
    ]

    static func hexToBase64(_ body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var position = 0
        var lastKey: ArraySlice<UInt8>?
        while position < body.count {
            let byte = body[position]
            guard byte == UInt8(ascii: "\"") else {
                if byte == UInt8(ascii: ":") {
                    // The value of `lastKey` follows: rewrite it when it is an id string.
                    out.append(byte)
                    position += 1
                    while position < body.count, isSpace(body[position]) {
                        out.append(body[position])
                        position += 1
                    }
                    if let key = lastKey, position < body.count, body[position] == UInt8(ascii: "\"") {
                        let end = stringEnd(body, from: position)
                        let content = body[(position + 1)..<max(position + 1, end - 1)]
                        if let rewritten = rewrite(key: key, hex: content) {
                            out.append(UInt8(ascii: "\""))
                            out.append(contentsOf: rewritten)
                            out.append(UInt8(ascii: "\""))
                        } else {
                            out.append(contentsOf: body[position..<end])
                        }
                        position = end
                    }
                    lastKey = nil
                    continue
                }
                if !isSpace(byte) { lastKey = nil }
                out.append(byte)
                position += 1
                continue
            }
            let end = stringEnd(body, from: position)
            out.append(contentsOf: body[position..<end])
            lastKey = body[(position + 1)..<max(position + 1, end - 1)]
            position = end
        }
        return out
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The index after the string that starts (with its quote) at `start`, or the body's end.
    private static func stringEnd(_ body: [UInt8], from start: Int) -> Int {
        var position = start + 1
        while position < body.count {
            switch body[position] {
            case UInt8(ascii: "\\"): position += 2
            case UInt8(ascii: "\""): return position + 1
            default: position += 1
            }
        }
        return body.count
    }

    private static func rewrite(key: ArraySlice<UInt8>, hex: ArraySlice<UInt8>) -> [UInt8]? {
        let length: Int
        if traceKeys.contains(Array(key)) {
            length = 32
        } else if spanKeys.contains(Array(key)) {
            length = 16
        } else {
            return nil
        }
        guard hex.count == length, let bytes = decodeHex(hex) else { return nil }
        return Array(Data(bytes).base64EncodedString().utf8)
    }

    private static func decodeHex(_ hex: ArraySlice<UInt8>) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var high: UInt8?
        for character in hex {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
