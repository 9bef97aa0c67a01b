import AsyncHTTPClient
import FlywheelSignals
import FlywheelTesting
import Foundation
import NIOCore
import Testing

/// A Server-Sent Events client for tests: the blocks of one `GET .../stream`, read as they come.
struct EventStreamClient {
    /// One block: an event (`id`, `event`, `data`) or a comment.
    struct Block: Equatable {
        var id: Int64?
        var event: String?
        var data: String?
        var comment: String?
    }

    let status: Int
    let contentType: String?
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending: [UInt8] = []

    static func open(port: Int, _ path: String, headers: [String: String] = [:]) async throws -> EventStreamClient {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(600))
        return EventStreamClient(
            status: Int(response.status.code), contentType: response.headers.first(name: "content-type"),
            iterator: response.body.makeAsyncIterator())
    }

    /// The next block; nil when the server ended the stream.
    mutating func next() async throws -> Block? {
        while true {
            if let end = Self.blockEnd(pending) {
                let text = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 2)
                return Self.parse(text)
            }
            guard let buffer = try await iterator.next() else { return nil }
            pending += buffer.readableBytesView
        }
    }

    /// The next `count` events, skipping comments.
    mutating func events(_ count: Int) async throws -> [Block] {
        var events: [Block] = []
        while events.count < count {
            guard let block = try await next() else { break }
            if block.comment == nil { events.append(block) }
        }
        return events
    }

    private static func blockEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 0..<(bytes.count - 1) where bytes[index] == 0x0A && bytes[index + 1] == 0x0A { return index }
        return nil
    }

    private static func parse(_ text: String) -> Block {
        var block = Block()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                block.comment = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("id: ") {
                block.id = Int64(line.dropFirst(4))
            } else if line.hasPrefix("event: ") {
                block.event = String(line.dropFirst(7))
            } else if line.hasPrefix("data: ") {
                block.data = String(line.dropFirst(6))
            }
        }
        return block
    }
}

/// The signal records of a folder sink's committed files, parsed, for the expected answers of the read API.
enum SignalRecordsOnDisk {
    /// Each kind's committed lines in release order (every kind, empty when it has no folder).
    static func committed(_ folder: String) -> [RecordKind: [String]] {
        let byName = ServeCLITests.committed(folder)
        var records: [RecordKind: [String]] = [:]
        for kind in RecordKind.allCases { records[kind] = byName[kind.name] ?? [] }
        return records
    }

    static func object(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    static func millis(_ text: Any?) -> Int64? {
        guard let text = text as? String else { return nil }
        return EventTimeText.millis(text)
    }
}

/// RFC 3339 as the records write it (UTC with milliseconds), parsed independently of the engine.
enum EventTimeText {
    static func millis(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: text) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
