import FlywheelSignals
import Foundation

/// A record that could not be delivered, with why: what a dead-letter queue holds.
///
/// As a JSON line: `{"record": <the original record, as JSON>, "status": <HTTP status or null>,
/// "error": "...", "attempts": N, "response": "<response body, cut at 1 KiB>"}`. A record that is
/// not valid JSON is kept as a JSON string.
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
    /// The last response's body (cut at `maxResponseBytes`).
    public var response: [UInt8]

    public init(record: [UInt8], status: Int?, error: String, attempts: Int, response: [UInt8] = []) {
        self.record = record
        self.status = status
        self.error = error
        self.attempts = attempts
        self.response = Array(response.prefix(Self.maxResponseBytes))
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

    /// Whether `bytes` is one JSON document with no newline in it (a record that can be embedded as is).
    static func isJSON(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty, !bytes.contains(UInt8(ascii: "\n")), !bytes.contains(UInt8(ascii: "\r")) else {
            return false
        }
        return (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
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
