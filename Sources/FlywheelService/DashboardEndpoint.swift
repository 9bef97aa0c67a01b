import Foundation
import HTTPTypes
import Hummingbird

/// `GET /` (and `HEAD /`): the dashboard page (`DashboardPage`), with a strict Content-Security-Policy and cache
/// headers.
///
/// The page is the same for every request of one build: `ETag` names it and `Cache-Control: private, no-cache`
/// makes a browser revalidate (a `304` when it holds this build's page), never a shared cache keep it (it is
/// served behind the read token).
enum DashboardEndpoint {
    static func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in page(request) }
        router.head("/") { request, _ in headOnly(page(request)) }
    }

    /// The answer to `HEAD`: the `GET` response's status and headers (its `Content-Length` too), without a body.
    static func headOnly(_ response: Response) -> Response {
        Response(status: response.status, headers: response.headers, body: ResponseBody())
    }

    static func page(_ request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8",
            .cacheControl: "private, no-cache",
            .eTag: DashboardPage.entityTag,
            .contentSecurityPolicy: DashboardPage.contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            referrerPolicy: "no-referrer",
        ]
        if request.headers[values: .ifNoneMatch].contains(where: { matches($0) }) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: DashboardPage.html)))
    }

    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    /// Whether an `If-None-Match` value names this build's page (`*`, or a list holding its tag, weak or not).
    static func matches(_ value: String) -> Bool {
        value.split(separator: ",").contains { item in
            let tag = item.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == DashboardPage.entityTag || tag == "W/" + DashboardPage.entityTag
        }
    }
}
