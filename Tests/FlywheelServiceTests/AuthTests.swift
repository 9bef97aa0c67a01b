import FlywheelService
import FlywheelTesting
import Foundation
import Testing

/// Bearer tokens on a running service: 401 without a valid token, 403 for the other class, the probes open.
@Suite(.timeLimit(.minutes(3)))
struct AuthTests {
    static let ingest = "ingest-0123456789abcdef0123456789"
    static let read = "read-0123456789abcdef0123456789ab"

    static func configuration(data: String) throws -> ServiceConfiguration {
        var configuration = try ServiceHarness.configuration(data: data)
        configuration.tokens = AccessTokens(ingest: [ingest], read: [read])
        return configuration
    }

    @Test func ingestNeedsAnIngestToken() async throws {
        let folder = try TemporaryFolder("auth-ingest")
        defer { folder.remove() }
        try await ServiceHarness.run(try Self.configuration(data: folder.path)) { service in
            let missing = try await service.postEvents([Events.prompt("a1")], token: nil)
            #expect(missing.status == 401)
            #expect(missing.headers["www-authenticate"] == "Bearer realm=\"flywheel\"")
            #expect(missing.json["code"] as? String == "unauthorized")
            let wrong = try await service.postEvents([Events.prompt("a1")], token: Self.ingest + "x")
            #expect(wrong.status == 401)
            #expect(wrong.headers["www-authenticate"]?.contains("invalid_token") == true)
            let reader = try await service.postEvents([Events.prompt("a1")], token: Self.read)
            #expect(reader.status == 403)
            #expect(reader.headers["www-authenticate"]?.contains("insufficient_scope") == true)
            #expect(reader.json["code"] as? String == "forbidden")
            let basic = try await service.request(
                "POST", "/v1/events",
                headers: [("Content-Type", "application/x-ndjson"), ("Authorization", "Basic \(Self.ingest)")],
                body: Array(Events.prompt("a1").utf8))
            #expect(basic.status == 401)
            // A large body is refused without being read, and the service goes on serving.
            let large = [String](repeating: Events.prompt("big"), count: 30_000)
            #expect(try await service.postEvents(large, token: nil).status == 401)
            // Nothing of the refused requests reached the topic; the accepted one did.
            let accepted = try await service.postEvents([Events.prompt("a2")], token: Self.ingest)
            #expect(accepted.status == 200 && accepted.accepted == 1)
            #expect(try service.eventsTopic().flatMap { $0 } == [Events.prompt("a2")])
        }
    }

    @Test func readEndpointsNeedAReadTokenAndProbesNone() async throws {
        let folder = try TemporaryFolder("auth-read")
        defer { folder.remove() }
        try await ServiceHarness.run(try Self.configuration(data: folder.path)) { service in
            #expect(try await service.get("/healthz").status == 200)
            try await service.eventually { try await service.get("/readyz").status == 200 }
            // A read route answers only a read token: without one, 401 or 403; a route that does not exist
            // answers 404 only to a read token too.
            #expect(try await service.get("/v1/stats", token: nil).status == 401)
            #expect(try await service.get("/v1/stats", token: Self.ingest).status == 403)
            #expect(try await service.get("/v1/stats", token: Self.read).status == 200)
            #expect(try await service.get("/v1/no-such-route", token: nil).status == 401)
            #expect(try await service.get("/v1/no-such-route", token: Self.read).status == 404)
            #expect(try await service.get("/", token: Self.ingest).status == 403)
            #expect(try await service.get("/metrics", token: nil).status == 401)
        }
    }

    @Test func adminNeedsAnIngestToken() async throws {
        let folder = try TemporaryFolder("auth-admin")
        defer { folder.remove() }
        try await ServiceHarness.run(try Self.configuration(data: folder.path)) { service in
            #expect(try await service.request("POST", "/v1/admin/reload").status == 401)
            let reader = try await service.request(
                "POST", "/v1/admin/reload", headers: [("Authorization", "Bearer \(Self.read)")])
            #expect(reader.status == 403)
            // Past authentication: the pipeline names no catalog, so the reload is refused with the reason.
            let writer = try await service.request(
                "POST", "/v1/admin/reload", headers: [("Authorization", "bearer  \(Self.ingest)")])
            #expect(writer.status == 409)
            #expect(writer.json["code"] as? String == "no_catalog")
        }
    }

    @Test func withoutTokensEverythingIsOpenOnLoopback() async throws {
        let folder = try TemporaryFolder("auth-none")
        defer { folder.remove() }
        try await ServiceHarness.run(try ServiceHarness.configuration(data: folder.path)) { service in
            let posted = try await service.postEvents([Events.prompt("n1")], token: nil)
            #expect(posted.status == 200)
            #expect(try await service.get("/v1/stats", token: nil).status == 200)
        }
    }

    @Test func nonLoopbackHostNeedsTokensOrTheFlag() throws {
        let folder = try TemporaryFolder("auth-host")
        defer { folder.remove() }
        var configuration = try ServiceHarness.configuration(data: folder.path)
        #expect {
            try configuration.resolveListening(flags: .init(host: "0.0.0.0"), environment: [:])
        } throws: { error in
            let message = (error as? ServiceError)?.message ?? ""
            return message.contains("without tokens") && message.contains("--insecure-listen-any")
        }
        try configuration.resolveListening(
            flags: .init(host: "0.0.0.0"), environment: ["FLYWHEEL_READ_TOKENS": Self.read])
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.tokens == AccessTokens(ingest: [], read: [Self.read]))
    }
}
