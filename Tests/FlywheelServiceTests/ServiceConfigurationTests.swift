import FlywheelService
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// Settings precedence: flags, then environment variables, then the pipeline's `service:` section, then defaults.
struct ServiceConfigurationTests {
    static let sectionToken = "section-token-0123456789abcdef"
    static let flagToken = "flag-token-0123456789abcdef0123"
    static let envToken = "env-token-0123456789abcdef01234"

    /// A configuration whose pipeline file (in `folder`) has a `service:` section setting every key.
    static func configuration(_ folder: TemporaryFolder) throws -> ServiceConfiguration {
        _ = try folder.write("ingest.tokens", "# section\n\(sectionToken)\n")
        _ = try folder.write("read.tokens", "\(sectionToken)\n")
        let yaml = """
            service:
              host: localhost
              port: 9100
              max_body: 2MiB
              client_timeout: 45s
              ingest_token_file: ingest.tokens
              read_token_file: read.tokens
            """
        let path = try folder.write("serve.yaml", yaml)
        let loaded = try LoadedPipeline.load(path: path)
        return ServiceConfiguration(pipeline: loaded, dataDir: folder.file("data"))
    }

    @Test func theSectionWinsOverTheDefaults() throws {
        let folder = try TemporaryFolder("settings-section")
        defer { folder.remove() }
        var configuration = try Self.configuration(folder)
        try configuration.resolveListening(flags: .init(), environment: [:])
        #expect(configuration.host == "localhost")
        #expect(configuration.port == 9100)
        #expect(configuration.maxBodyBytes == 2 << 20)
        #expect(configuration.clientTimeout == .seconds(45))
        #expect(configuration.tokens == AccessTokens(ingest: [Self.sectionToken], read: [Self.sectionToken]))
    }

    @Test func environmentWinsOverTheSection() throws {
        let folder = try TemporaryFolder("settings-env")
        defer { folder.remove() }
        var configuration = try Self.configuration(folder)
        let environment = [
            "FLYWHEEL_HOST": "127.0.0.2", "FLYWHEEL_PORT": "9200", "FLYWHEEL_MAX_BODY": "3MiB",
            "FLYWHEEL_CLIENT_TIMEOUT": "1m", "FLYWHEEL_INGEST_TOKENS": Self.envToken, "FLYWHEEL_PIPELINE_NICE": "0",
        ]
        #expect(configuration.pipelineNice == ServiceConfiguration.defaultPipelineNice)
        try configuration.resolveListening(flags: .init(), environment: environment)
        #expect(configuration.pipelineNice == 0)
        #expect(configuration.host == "127.0.0.2")
        #expect(configuration.port == 9200)
        #expect(configuration.maxBodyBytes == 3 << 20)
        #expect(configuration.clientTimeout == .seconds(60))
        #expect(configuration.tokens == AccessTokens(ingest: [Self.envToken], read: [Self.sectionToken]))
    }

    @Test func flagsWinOverEverything() throws {
        let folder = try TemporaryFolder("settings-flags")
        defer { folder.remove() }
        var configuration = try Self.configuration(folder)
        let flagFile = try folder.write("flag.tokens", "\(Self.flagToken)\n")
        let environment = [
            "FLYWHEEL_PORT": "9200", "FLYWHEEL_CLIENT_TIMEOUT": "1m", "FLYWHEEL_INGEST_TOKENS": Self.envToken,
            "FLYWHEEL_READ_TOKENS": Self.envToken,
        ]
        try configuration.resolveListening(
            flags: .init(port: 9300, clientTimeout: "5s", ingestTokenFile: flagFile), environment: environment)
        #expect(configuration.port == 9300)
        #expect(configuration.clientTimeout == .seconds(5))
        #expect(configuration.tokens == AccessTokens(ingest: [Self.flagToken], read: [Self.envToken]))
    }

    @Test func eachBadSettingNamesWhereItCameFrom() throws {
        let folder = try TemporaryFolder("settings-bad")
        defer { folder.remove() }
        let empty = try folder.write("empty.tokens", "\n# none\n")
        let cases: [(ServiceConfiguration.ListeningFlags, [String: String], String)] = [
            (.init(ingestTokenFile: empty), [:], "--ingest-token-file: the token file"),
            (.init(readTokenFile: folder.file("nope")), [:], "--read-token-file: the token file"),
            (.init(), ["FLYWHEEL_INGEST_TOKENS": ""], "FLYWHEEL_INGEST_TOKENS is set but holds no token"),
            (.init(), ["FLYWHEEL_READ_TOKENS": "short"], "FLYWHEEL_READ_TOKENS, token 1: a token has fewer"),
            (.init(clientTimeout: "forever"), [:], "--client-timeout must be a duration"),
            (.init(), ["FLYWHEEL_CLIENT_TIMEOUT": "5ms"], "FLYWHEEL_CLIENT_TIMEOUT must be a duration"),
            (.init(), ["FLYWHEEL_PIPELINE_NICE": "20"], "FLYWHEEL_PIPELINE_NICE must be a whole number from 0 to 19"),
            (.init(), ["FLYWHEEL_PIPELINE_NICE": "-1"], "FLYWHEEL_PIPELINE_NICE must be a whole number from 0 to 19"),
        ]
        for (flags, environment, expected) in cases {
            var configuration = try ServiceHarness.configuration(data: folder.file("data"))
            #expect {
                try configuration.resolveListening(flags: flags, environment: environment)
            } throws: { error in
                ((error as? ServiceError)?.message ?? "").hasPrefix(expected)
            }
        }
        // A section's token file that cannot be read names the key and where it was written.
        let path = try folder.write("serve.yaml", "service:\n  read_token_file: missing.tokens\n")
        var configuration = ServiceConfiguration(
            pipeline: try LoadedPipeline.load(path: path), dataDir: folder.file("data"))
        #expect {
            try configuration.resolveListening(flags: .init(), environment: [:])
        } throws: { error in
            ((error as? ServiceError)?.message ?? "").hasPrefix("service.read_token_file (\(path):2): the token file")
        }
    }
}
