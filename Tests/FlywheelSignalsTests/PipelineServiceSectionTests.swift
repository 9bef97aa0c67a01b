import Testing

@testable import FlywheelSignals

/// The `service:` section: `flywheel serve`'s settings, checked like every other key.
struct PipelineServiceSectionTests {
    @Test func everyKeyIsReadAndTokenFilesAreRelativeToThePipelineFile() throws {
        let yaml = """
            service:
              host: 0.0.0.0
              port: 9000
              max_body: 2MiB
              client_timeout: 45s
              ingest_token_file: secrets/ingest.tokens
              read_token_file: /etc/flywheel/read.tokens
            """
        let config = try PipelineConfig.parse(yaml: yaml, path: "conf/serve.yaml")
        var expected = PipelineConfig.ServiceSettings()
        expected.host = "0.0.0.0"
        expected.port = 9000
        expected.maxBodyBytes = 2 << 20
        expected.clientTimeoutMs = 45_000
        expected.ingestTokenFile = "conf/secrets/ingest.tokens"
        expected.readTokenFile = "/etc/flywheel/read.tokens"
        expected.locations = [
            "host": "conf/serve.yaml:2", "port": "conf/serve.yaml:3", "max_body": "conf/serve.yaml:4",
            "client_timeout": "conf/serve.yaml:5", "ingest_token_file": "conf/serve.yaml:6",
            "read_token_file": "conf/serve.yaml:7",
        ]
        #expect(config.service == expected)
        #expect(!config.service.isEmpty)
        #expect(config.service.summary.contains("port 9000, max_body 2MiB, client_timeout 45s"))
    }

    @Test func theSectionChangesNothingAJobWrites() throws {
        let plain = try PipelineConfig.parse(yaml: "time: { idle_timeout: 5s }", path: nil)
        let served = try PipelineConfig.parse(yaml: "time: { idle_timeout: 5s }\nservice: { port: 9000 }", path: nil)
        #expect(served.effectiveYAML() == plain.effectiveYAML())
        #expect(plain.service.isEmpty)
        #expect(try PipelineConfig.parse(yaml: "service:", path: nil).service.isEmpty)
    }

    static let errors: [(yaml: String, code: PipelineError.Code, line: Int, key: String, phrase: String)] = [
        ("service:\n  prot: 80", .unknownKey, 2, "service.prot", "valid keys here: host, port, max_body"),
        ("service:\n  port: 70000", .badValue, 2, "service.port", "0 to 65535"),
        ("service:\n  port: http", .badValue, 2, "service.port", "expected a whole number"),
        ("service:\n  host: \"\"", .badValue, 2, "service.host", "must not be empty"),
        ("service:\n  max_body: 12", .badSize, 2, "service.max_body", "bad size"),
        ("service:\n  max_body: 2GiB", .badValue, 2, "service.max_body", "between 1KiB and 1GiB"),
        ("service:\n  client_timeout: 10ms", .badValue, 2, "service.client_timeout", "between 100ms and 1d"),
        ("service:\n  ingest_token_file:", .badValue, 2, "service.ingest_token_file", "missing value"),
        ("service: [host]", .badType, 1, "service", "expected a mapping"),
    ]

    @Test(arguments: errors.indices)
    func aBadKeyIsNamedWithItsLine(row: Int) {
        let (yaml, code, line, key, phrase) = Self.errors[row]
        #expect {
            try PipelineConfig.parse(yaml: yaml, path: "p.yaml")
        } throws: { error in
            guard let error = error as? PipelineError else { return false }
            return error.code == code && error.line == line && error.key == key && error.message.contains(phrase)
        }
    }
}
