import AsyncHTTPClient
import FlywheelInspect
import FlywheelSignals
import Foundation
import NIOCore
import NIOHTTP1

/// The committed signal records of a running `flywheel serve`, fetched over its read API
/// (`GET /v1/signals/{kind}`, paged backwards with `before` while a page is full), for `inspect --url` and
/// `report --url`. Sends `Authorization: Bearer TOKEN` when a token is given.
struct ServiceRecords {
    /// The service's base URL, without a trailing slash.
    let url: String
    let token: String?
    /// Records asked for per request (the read API's largest `limit`).
    static let pageSize = 100_000
    /// What inspect says instead of counters.
    static let countersNote =
        "a service's read API serves its committed signal records, not summary.json: its counters are not in "
        + "them (records per kind count the committed records)"

    init(url: String, token: String?) throws(InspectError) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        guard let parsed = URL(string: base), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
        else {
            throw InspectError(
                .invalidOption, "--url \(url): expected the service's base URL, e.g. --url http://127.0.0.1:8080")
        }
        self.url = base
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Every committed record of `kind`, oldest first.
    func records(_ kind: RecordKind) throws(InspectError) -> [[UInt8]] {
        var pages: [[[UInt8]]] = []
        var before: String?
        repeat {
            let page = try fetch(kind, before: before)
            pages.append(page.lines)
            before = page.nextBefore
        } while before != nil
        return pages.reversed().flatMap { $0 }
    }

    private func fetch(_ kind: RecordKind, before: String?) throws(InspectError) -> (
        lines: [[UInt8]], nextBefore: String?
    ) {
        let address = "\(url)/v1/signals/\(kind.name)?limit=\(Self.pageSize)" + (before.map { "&before=\($0)" } ?? "")
        let response: HTTPClient.Response
        do {
            var headers = HTTPHeaders()
            if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
            let request = try HTTPClient.Request(url: address, method: .GET, headers: headers)
            response = try HTTPClient.shared.execute(request: request, deadline: .now() + .seconds(120)).wait()
        } catch {
            throw InspectError(.readFailed, "cannot read \(address): \(error)", cause: error)
        }
        let body = response.body.map { Array($0.readableBytesView) } ?? []
        guard response.status == .ok else { throw refusal(response.status, body: body, address: address) }
        let lines = body.split(separator: UInt8(ascii: "\n")).map { Array($0) }
        return (lines, response.headers.first(name: "Flywheel-Next-Before"))
    }

    /// The error for an answer other than 200, with the service's reason.
    private func refusal(_ status: HTTPResponseStatus, body: [UInt8], address: String) -> InspectError {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        let reason = object?["error"] as? String ?? String(decoding: body.prefix(500), as: UTF8.self)
        let hint =
            status == .unauthorized || status == .forbidden
            ? (token == nil
                ? " (the service needs a read token: pass --token or set FLYWHEEL_READ_TOKEN)"
                : " (the token was refused)") : ""
        return InspectError(.readFailed, "\(address) answered \(status.code): \(reason)\(hint)")
    }
}
