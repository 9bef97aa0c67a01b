import FlywheelTesting
import Foundation
import Testing

/// `flywheel serve` as a process: token files, usage errors that name the flag, the `service:` section, SIGHUP.
@Suite(.timeLimit(.minutes(5)))
struct ServeAuthCLITests {
    static let ingest = "cli-ingest-0123456789abcdef0123"
    static let read = "cli-read-0123456789abcdef012345"

    static func requireBinary() throws {
        try #require(FileManager.default.isExecutableFile(atPath: ServeCLITests.binary), "build the CLI first")
    }

    @Test func badTokenSettingsAreUsageErrorsNamingTheFlag() async throws {
        try Self.requireBinary()
        let folder = try TemporaryFolder("serve-cli-usage")
        defer { folder.remove() }
        let pipeline = try folder.write("serve.yaml", "")
        let empty = try folder.write("empty.tokens", "# no tokens yet\n")
        let base = ["serve", "--pipeline", pipeline, "--data", folder.file("data"), "--port", "0"]
        let cases: [([String], [String: String], String)] = [
            (["--ingest-token-file", folder.file("missing")], [:], "error: --ingest-token-file: the token file"),
            (["--read-token-file", empty], [:], "error: --read-token-file: the token file \(empty) holds no token"),
            ([], ["FLYWHEEL_INGEST_TOKENS": " , "], "error: FLYWHEEL_INGEST_TOKENS is set but holds no token"),
            (["--host", "0.0.0.0"], [:], "error: refusing to listen on 0.0.0.0 without tokens"),
            (["--client-timeout", "soon"], [:], "error: --client-timeout must be a duration"),
        ]
        for (arguments, environment, expected) in cases {
            let result = try await FlywheelCLI.run(
                base + arguments, environment: environment, executable: ServeCLITests.binary, timeout: 60)
            #expect(result.status == 64, "\(arguments): \(result)")
            #expect(result.stderr.hasPrefix(expected), "\(arguments): \(result)")
        }
        let bad = try folder.write("bad.yaml", "service:\n  port: 8080\n  tokens: x\n")
        let refused = try await FlywheelCLI.run(
            ["serve", "--pipeline", bad, "--data", folder.file("data")], executable: ServeCLITests.binary)
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("bad.yaml:3: service.tokens: unknown key \"tokens\""), "\(refused)")
    }

    @Test func validatePipelineAcceptsAndListsTheServiceSection() async throws {
        try Self.requireBinary()
        let folder = try TemporaryFolder("serve-cli-validate")
        defer { folder.remove() }
        let pipeline = try folder.write("serve.yaml", "service: { port: 9000, read_token_file: read.tokens }\n")
        let result = try await FlywheelCLI.run(["validate-pipeline", pipeline], executable: ServeCLITests.binary)
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stdout.contains(
                "# service (flywheel serve; flags and environment variables win): port 9000, read_token_file \""
                    + folder.file("read.tokens") + "\""), "\(result)")
    }

    @Test func tokensFromTheSectionAndReloadOnSIGHUP() async throws {
        try Self.requireBinary()
        let folder = try TemporaryFolder("serve-cli-hup")
        defer { folder.remove() }
        _ = try folder.write("ingest.tokens", "# writers\n\(Self.ingest)\n")
        _ = try folder.write("models.yaml", "models:\n  m: { family: f1, input_per_1k: 1, output_per_1k: 1 }\n")
        let port = try ServeCLITests.freePort()
        let pipeline = try folder.write(
            "serve.yaml",
            "enrich: { model_catalog: models.yaml }\nservice: { port: \(port), ingest_token_file: ingest.tokens }\n")
        let log = folder.file("stderr.log")
        let process = try FlywheelCLI.start(
            [
                "-c", "exec \"$0\" serve --pipeline \"$1\" --data \"$2\" 2>\"$3\"", ServeCLITests.binary, pipeline,
                folder.file("data"), log,
            ],
            environment: ["FLYWHEEL_READ_TOKENS": Self.read], executable: "/bin/sh")
        while try await ServeCLITests.status(of: "/readyz", port: port) != 200 {
            if !process.process.isRunning {
                Issue.record("flywheel serve ended: \(await process.wait(timeout: 5))")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await Self.post(port: port, token: nil) == "401")
        #expect(try await Self.post(port: port, token: Self.read) == "403")
        #expect(try await Self.post(port: port, token: Self.ingest) == "200")

        _ = try folder.write("models.yaml", "models:\n  m: { family: f2 }\n")
        process.send(SIGHUP)
        try await Self.waitForLine(in: log, containing: "model catalog reload (SIGHUP) refused", process: process)
        _ = try folder.write("models.yaml", "models:\n  m: { family: f2, input_per_1k: 2, output_per_1k: 2 }\n")
        process.send(SIGHUP)
        try await Self.waitForLine(in: log, containing: "model catalog reloaded (SIGHUP)", process: process)

        process.send(SIGTERM)
        let result = await process.wait(timeout: 60)
        #expect(result.status == 0 && !result.signaled, "\(result)")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("tokens: 1 ingest, 1 read"), "\(text)")
        #expect(text.contains("missing input_per_1k, output_per_1k"), "\(text)")
        #expect(!text.contains(Self.ingest) && !text.contains(Self.read))
    }

    /// The HTTP status of posting one event with `Authorization: Bearer token` (none for nil), as curl prints it.
    static func post(port: Int, token: String?) async throws -> String {
        var arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/x-ndjson",
            "--data-binary", Events.prompt("cli-\(token?.prefix(8) ?? "none")"),
        ]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        let result = try await FlywheelCLI.run(
            arguments + ["http://127.0.0.1:\(port)/v1/events"], executable: "/usr/bin/curl")
        return result.stdout
    }

    /// Waits until the file at `path` holds `text` (the suite's time limit bounds the wait).
    static func waitForLine(in path: String, containing text: String, process: FlywheelCLI.Running) async throws {
        while !((try? String(contentsOfFile: path, encoding: .utf8))?.contains(text) ?? false) {
            if !process.process.isRunning {
                Issue.record("flywheel serve ended: \(await process.wait(timeout: 5))")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
