import FlywheelService
import FlywheelTesting
import Foundation
import Hummingbird
import Testing

struct AccessRuleTests {
    static let table: [(HTTPRequest.Method, String, AccessRule)] = [
        (.get, "/healthz", .none),
        (.get, "/readyz", .none),
        (.head, "/readyz?verbose=1", .none),
        (.get, "/healthz/", .read),
        (.get, "/%68ealthz", .read),
        (.post, "/v1/events", .ingest),
        (.post, "/v1/events?dry=1", .ingest),
        (.post, "/v1/traces", .ingest),
        (.post, "/v1/logs", .ingest),
        (.post, "/v1/metrics", .ingest),
        (.put, "/v1/anything", .ingest),
        (.delete, "/v1/signals/preference_pair", .ingest),
        (.post, "/v1/admin/reload", .ingest),
        (.get, "/v1/admin/reload", .ingest),
        (.post, "/v1/admin", .ingest),
        (.get, "/v1/signals/model_quality", .read),
        (.get, "/v1/signals/preference_pair/stream", .read),
        (.get, "/v1/stats", .read),
        (.get, "/v1/compare?a=x&b=y", .read),
        (.get, "/metrics", .read),
        (.get, "/", .read),
        (.options, "/v1/events", .read),
        (.get, "/v1/events", .read),
        (.get, "/no/such/page", .read),
    ]

    @Test(arguments: table.indices)
    func routeClassIsDecidedByMethodAndPath(row: Int) {
        let (method, path, expected) = Self.table[row]
        #expect(AccessRule.required(method: method, path: path) == expected, "\(method) \(path)")
    }

    @Test func aTokenGrantsExactlyTheClassesItIsListedIn() {
        let ingest = String(repeating: "i", count: 32)
        let read = String(repeating: "r", count: 32)
        let both = String(repeating: "b", count: 20)
        let tokens = AccessTokens(ingest: [ingest, both], read: [read, both])
        #expect(tokens.grant(for: ingest.utf8) == .init(ingest: true, read: false))
        #expect(tokens.grant(for: read.utf8) == .init(ingest: false, read: true))
        #expect(tokens.grant(for: both.utf8) == .init(ingest: true, read: true))
        // Prefixes, extensions and the empty token match nothing.
        for wrong in [String(ingest.dropLast()), ingest + "i", "", String(repeating: "i", count: 64)] {
            #expect(tokens.grant(for: wrong.utf8) == .init(ingest: false, read: false), "\(wrong)")
        }
        #expect(!AccessTokens().isEnabled)
        #expect(AccessTokens(ingest: [], read: [read]).isEnabled)
    }

    @Test func environmentListsAreCommaSeparatedAndChecked() throws {
        let a = String(repeating: "a", count: 16)
        let b = "B-._~+/0123456789=="
        #expect(try AccessTokens.parseList(" \(a) ,\(b),, ", variable: "FLYWHEEL_INGEST_TOKENS") == [a, b])
        for bad in ["", " , ", "short", a + " x", "\(a),with space in it"] {
            #expect {
                try AccessTokens.parseList(bad, variable: "FLYWHEEL_READ_TOKENS")
            } throws: { error in
                let message = (error as? ServiceError)?.message ?? ""
                return message.contains("FLYWHEEL_READ_TOKENS") && !message.contains(a)
            }
        }
    }

    @Test func tokenFilesSkipBlankLinesAndComments() throws {
        let folder = try TemporaryFolder("tokens")
        defer { folder.remove() }
        let token = String(repeating: "t", count: 40)
        let path = try folder.write("ingest", "# the app's token\n\n  \(token)  \r\n# old: none\n")
        #expect(try AccessTokens.readFile(path, source: "--ingest-token-file") == [token])
        let empty = try folder.write("empty", "# nothing here\n\n")
        let bad = try folder.write("bad", "\(token)\nnot a token\n")
        let cases: [(String, String)] = [
            (empty, "holds no token"), (folder.file("missing"), "does not exist"), (folder.path, "a folder"),
            (bad, "bad:2:"),
        ]
        for (path, expected) in cases {
            #expect {
                try AccessTokens.readFile(path, source: "--read-token-file")
            } throws: { error in
                let message = (error as? ServiceError)?.message ?? ""
                return message.hasPrefix("--read-token-file: ") && message.contains(expected)
                    && (error as? ServiceError)?.code == .invalidOption
            }
        }
    }
}
