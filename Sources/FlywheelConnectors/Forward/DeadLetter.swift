import FlywheelSignals
import Foundation

/// A record that could not be delivered, with why: what a dead-letter queue holds.
///
/// As a JSON line: `{"record": <the original record, as JSON>, "status": <HTTP status or null>,
/// "error": "...", "attempts": N, "response": "<response body, cut at 1 KiB>"}`. A record that is
/// a JSON array, object, number, `true`, `false` or `null` on one line, without white space around
/// it, is embedded as it is; any other record (not JSON, a JSON string, several lines, padded with
/// white space) is kept as a JSON string of its text, so that `DeadLetter(jsonLine:)` gives back
/// the same bytes: a string always means "these characters". Bytes that are not UTF-8 become
/// U+FFFD in that string: such a record cannot come back byte for byte.
public struct DeadLetter: Sendable, Equatable {
    /// The most of a response body a dead letter keeps.
    public static let maxResponseBytes = 1024

    /// The original record's bytes (one JSON document, no trailing newline).
    public var record: [UInt8]
    /// The HTTP status of the last attempt; nil when there was no response (timeout, connection).
    public var status: Int?
    /// Why, for people: `HTTP 400 Bad Request`, `timed out after 10s`, `connection refused`, ...
    public var error: String
    /// Attempts made.
    public var attempts: Int
    /// The last response's body, cut to at most `maxResponseBytes` (before a UTF-8 character that
    /// would cross the limit, never inside one).
    public var response: [UInt8] {
        didSet { if response.count > Self.maxResponseBytes { response = Self.cut(response) } }
    }

    public init(record: [UInt8], status: Int?, error: String, attempts: Int, response: [UInt8] = []) {
        self.record = record
        self.status = status
        self.error = error
        self.attempts = attempts
        self.response = Self.cut(response)
    }

    /// The dead letter as one JSON line, ending in "\n".
    public func jsonLine() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(record.count + response.count + error.utf8.count + 80)
        out.append(contentsOf: Array(#"{"record": "#.utf8))
        if Self.isJSON(record) {
            out.append(contentsOf: record)
        } else {
            JSONWriter.appendEscaped(String(decoding: record, as: UTF8.self), to: &out)
        }
        out.append(contentsOf: Array(#", "status": "#.utf8))
        out.append(contentsOf: Array((status.map(String.init) ?? "null").utf8))
        out.append(contentsOf: Array(#", "error": "#.utf8))
        JSONWriter.appendEscaped(error, to: &out)
        out.append(contentsOf: Array(#", "attempts": "#.utf8))
        out.append(contentsOf: Array(String(attempts).utf8))
        out.append(contentsOf: Array(#", "response": "#.utf8))
        JSONWriter.appendEscaped(String(decoding: response, as: UTF8.self), to: &out)
        out.append(contentsOf: Array("}\n".utf8))
        return out
    }

    /// Whether `bytes` can be embedded in a dead letter as it is: one strict JSON document (RFC 8259 over
    /// well-formed UTF-8, as the decoder reads events) that is not a string, with no line break in it and no
    /// white space around it, so that its bytes are exactly the value the line holds.
    static func isJSON(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, let last = bytes.last, first != UInt8(ascii: "\""),
            !isWhitespace(first), !isWhitespace(last),
            !bytes.contains(UInt8(ascii: "\n")), !bytes.contains(UInt8(ascii: "\r"))
        else {
            return false
        }
        var scanner = JSONLineScanner(keys: [])
        return bytes.withUnsafeBytes { scanner.scan($0) } != .notJSON
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The first `maxResponseBytes` of `body` at most, cut before the UTF-8 character that crosses the limit.
    static func cut(_ body: [UInt8]) -> [UInt8] {
        guard body.count > maxResponseBytes else { return body }
        var end = maxResponseBytes
        // body[end] is the first byte left out: while it continues a character (10xxxxxx), that character
        // started before the limit; leave it out whole (a character has at most 3 continuation bytes).
        while end > maxResponseBytes - 3 && body[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(body[..<end])
    }
}

/// Where dead letters go: a topic or a folder. Thread-safe: several deliveries may write at once.
public protocol DeadLetterWriter: AnyObject, Sendable {
    /// Appends the letters (buffered or not; `sync` makes them durable).
    func write(_ letters: [DeadLetter]) throws(ConnectorError)
    /// Everything written so far is durable when it returns.
    func sync() throws(ConnectorError)
    /// Syncs and releases files; writes after it fail.
    func close()
}
