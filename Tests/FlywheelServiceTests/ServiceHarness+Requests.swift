import AsyncHTTPClient
import NIOCore

extension ServiceHarness {
    /// Sends `method` to `path` with `headers` and `body`, and returns the answer.
    func request(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 64 << 20)
        var answer: [String: String] = [:]
        for header in response.headers { answer[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: answer, body: String(buffer: collected))
    }

    /// `POST /v1/events` of JSON Lines with `Authorization: Bearer token` (no header for nil).
    func postEvents(_ lines: [String], token: String?) async throws -> Answer {
        var headers = [("Content-Type", "application/x-ndjson")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return try await request(
            "POST", "/v1/events", headers: headers, body: Array(lines.joined(separator: "\n").utf8))
    }

    /// `GET path` with `Authorization: Bearer token` (no header for nil).
    func get(_ path: String, token: String?) async throws -> Answer {
        try await request("GET", path, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }
}
