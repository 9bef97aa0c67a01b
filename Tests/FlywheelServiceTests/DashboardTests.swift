import FlywheelService
import FlywheelTesting
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import FlywheelService

/// `GET /` and the token in the URL (`access_token`) that browsers need for the stream endpoints.
@Suite(.timeLimit(.minutes(3)))
struct DashboardTests {
    @Test func thePageIsSelfContainedWithItsScriptAndStyleAllowedByHash() throws {
        let html = DashboardPage.html
        #expect(html.components(separatedBy: "<script>" + DashboardPage.script + "</script>").count == 2)
        #expect(html.components(separatedBy: "<style>" + DashboardPage.style + "</style>").count == 2)
        #expect(html.components(separatedBy: "<script").count == 2)
        // The one link: an empty icon, so that the browser asks for no /favicon.ico.
        #expect(html.components(separatedBy: "href=").count == 2 && html.contains(#"<link rel="icon" href="data:,">"#))
        for outside in ["http://", "https://", "src=", "@import", "url(", "innerHTML", "outerHTML", "eval("] {
            #expect(!html.contains(outside), "the page holds \(outside)")
        }
        let policy = DashboardPage.contentSecurityPolicy
        #expect(policy.contains("default-src 'self'"))
        #expect(policy.contains("script-src '\(DashboardPage.sha256(DashboardPage.script))'"))
        #expect(!policy.contains("unsafe"))
        // The hash source as a browser computes it (checked against the FIPS 180-2 example).
        #expect(DashboardPage.sha256("abc") == "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
    }

    @Test func sha256MatchesTheFIPSVectors() {
        func hex(_ text: String) -> String {
            SHA256Digest.hash(Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
        }
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            hex(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Every padding case around one block: 55, 56, 63 and 64 bytes.
        #expect(
            hex(String(repeating: "a", count: 55)) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"
        )
        #expect(
            hex(String(repeating: "a", count: 56)) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"
        )
        #expect(
            hex(String(repeating: "a", count: 64)) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"
        )
    }

    @Test func aQueryTokenIsTakenOutOfTheRequestOthersKeptAsSent() throws {
        func taken(_ method: HTTPRequest.Method, _ path: String) -> (String?, [Substring]) {
            let head = HTTPRequest(method: method, scheme: "http", authority: "x", path: path)
            let (request, tokens) = BearerAuthMiddleware<BasicRequestContext>.takingQueryToken(
                Request(head: head, body: RequestBody(buffer: ByteBuffer())))
            return (request.head.path, tokens)
        }
        let (path, tokens) = taken(.get, "/v1/signals/x/stream?from=3&access_token=a%2Bb&model=a%20b")
        #expect(path == "/v1/signals/x/stream?from=3&model=a%20b")
        #expect(tokens == ["a+b"])
        #expect(taken(.get, "/?access_token=t1").0 == "/")
        #expect(taken(.get, "/?access_token=t1&access_token=t2").1 == ["t1", "t2"])
        #expect(taken(.get, "/v1/stats?access_tokens=1").0 == "/v1/stats?access_tokens=1")
        // Any method reports it (and is refused); only reads lose it.
        #expect(taken(.post, "/v1/events?access_token=t1") == ("/v1/events?access_token=t1", ["t1"]))
    }

    static func configuration(data: String) throws -> ServiceConfiguration {
        var configuration = try ServiceHarness.configuration(data: data)
        configuration.tokens = AccessTokens(ingest: [AuthTests.ingest], read: [AuthTests.read])
        return configuration
    }

    @Test func theDashboardAndTheReadRoutesTakeAReadTokenInTheURL() async throws {
        let folder = try TemporaryFolder("dashboard-auth")
        defer { folder.remove() }
        try await ServiceHarness.run(try Self.configuration(data: folder.path)) { service in
            try await service.eventually { service.server.status.isReady }
            let missing = try await service.get("/", token: nil)
            #expect(missing.status == 401)
            #expect((missing.json["error"] as? String)?.contains("?access_token=<read token>") == true)
            let page = try await service.get("/?access_token=\(AuthTests.read)", token: nil)
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.headers["content-security-policy"] == DashboardPage.contentSecurityPolicy)
            #expect(page.headers["cache-control"] == "private, no-cache")
            #expect(page.body == DashboardPage.html)
            let etag = try #require(page.headers["etag"])
            let cached = try await service.request(
                "GET", "/?access_token=\(AuthTests.read)", headers: [("If-None-Match", etag)])
            #expect(cached.status == 304 && cached.body.isEmpty)
            #expect(try await service.get("/", token: AuthTests.read).status == 200)

            let ingestToken = try await service.get("/?access_token=\(AuthTests.ingest)", token: nil)
            #expect(ingestToken.status == 403)
            #expect(ingestToken.headers["www-authenticate"]?.contains("insufficient_scope") == true)
            let wrong = try await service.get("/v1/stats?access_token=\(AuthTests.read)x", token: nil)
            #expect(wrong.status == 401)
            #expect(!wrong.body.contains(AuthTests.read))
            #expect(try await service.get("/v1/stats?access_token=\(AuthTests.read)", token: nil).status == 200)
            // The routes never see the parameter (they refuse parameters they do not know).
            let list = try await service.get(
                "/v1/signals/dead_letter?limit=5&access_token=\(AuthTests.read)", token: nil)
            #expect(list.status == 200, "\(list.body)")
            var stream = try await EventStreamClient.open(
                port: service.port, "/v1/signals/dead_letter/stream?access_token=\(AuthTests.read)")
            #expect(stream.status == 200)
            #expect(try await stream.next()?.comment == "dead_letter from position 0")
            let closed = try await EventStreamClient.open(port: service.port, "/v1/signals/dead_letter/stream")
            #expect(closed.status == 401)

            let both = try await service.get("/v1/stats?access_token=\(AuthTests.read)", token: AuthTests.read)
            #expect(both.status == 400)
            #expect(both.json["code"] as? String == "invalid_request")
            let twice = try await service.get(
                "/v1/stats?access_token=\(AuthTests.read)&access_token=\(AuthTests.read)", token: nil)
            #expect(twice.status == 400)
            // A URL token grants reads only: not admin actions, even an ingest token.
            let admin = try await service.request("GET", "/v1/admin/reload?access_token=\(AuthTests.ingest)")
            #expect(admin.status == 403)
        }
    }

    @Test func ingestDoesNotTakeATokenInTheURL() async throws {
        let folder = try TemporaryFolder("dashboard-auth-ingest")
        defer { folder.remove() }
        try await ServiceHarness.run(try Self.configuration(data: folder.path)) { service in
            for token in [AuthTests.ingest, AuthTests.read] {
                let answer = try await service.request(
                    "POST", "/v1/events?access_token=\(token)", headers: [("Content-Type", "application/x-ndjson")],
                    body: Array(Events.prompt("q1").utf8))
                #expect(answer.status == 401)
                #expect(answer.json["code"] as? String == "unauthorized")
                #expect((answer.json["error"] as? String)?.contains("GET and HEAD") == true)
            }
            // Not even beside a valid header: a token in a write's URL is refused, so that clients learn not to.
            let withHeader = try await service.request(
                "POST", "/v1/events?access_token=\(AuthTests.ingest)",
                headers: [("Content-Type", "application/x-ndjson"), ("Authorization", "Bearer \(AuthTests.ingest)")],
                body: Array(Events.prompt("q2").utf8))
            #expect(withHeader.status == 401)
            #expect(try service.eventsTopic().flatMap { $0 }.isEmpty)
            let accepted = try await service.postEvents([Events.prompt("q3")], token: AuthTests.ingest)
            #expect(accepted.status == 200 && accepted.accepted == 1)
        }
    }

    @Test func withoutTokensTheParameterIsIgnored() async throws {
        let folder = try TemporaryFolder("dashboard-open")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            try await service.eventually { service.server.status.isReady }
            #expect(try await service.get("/?access_token=anything-at-all-here").status == 200)
            #expect(try await service.get("/v1/signals/dead_letter?access_token=x&limit=1").status == 200)
        }
    }

    /// `HEAD` on the page and the probes: the `GET` answer's status and headers, its length too, and no body.
    @Test func headAnswersAsGetWithoutTheBody() async throws {
        let folder = try TemporaryFolder("dashboard-head")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            try await service.eventually { service.server.status.isReady }
            for path in ["/", "/healthz", "/readyz"] {
                let get = try await service.request("GET", path)
                let head = try await service.request("HEAD", path)
                #expect(get.status == 200 && head.status == 200, "\(path)")
                #expect(head.body.isEmpty, "\(path)")
                #expect(head.headers["content-length"] == String(get.body.utf8.count), "\(path)")
                #expect(head.headers["content-type"] == get.headers["content-type"], "\(path)")
            }
            let page = try await service.request("HEAD", "/")
            #expect(page.headers["etag"] == DashboardPage.entityTag)
            #expect(page.headers["content-security-policy"] == DashboardPage.contentSecurityPolicy)
        }
    }
}
