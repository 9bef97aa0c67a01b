import ArgumentParser
import FlywheelForward
import Foundation

/// `flywheel bench receiver`: what the loopback receiver alone takes.
struct BenchReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver",
        abstract: "Measure what the loopback HTTP receiver alone takes (requests/s and records/s).",
        discussion: """
            Starts a LoopbackReceiver (counting only) and --connections async-http-client connections in this \
            process, each POSTing a body of --batch JSON lines of 300 bytes and waiting for the answer before \
            the next, for --seconds (after one warm-up request per connection). Reports requests/s, records/s, \
            MB/s of bodies and request latency p50/p99. Client and receiver share the machine's cores, so the \
            figure is a lower bound of the receiver's capacity. Build in release mode:
              swift run -c release flywheel bench receiver --seconds 10 \\
                --connections 8 --batch 500
            """)

    @Option(parsing: .unconditional, help: "How long to send, in seconds.")
    var seconds: Int = 10

    @Option(parsing: .unconditional, help: "Concurrent connections (each with one request in flight).")
    var connections: Int = 8

    @Option(parsing: .unconditional, help: "JSON lines (records) per request.")
    var batch: Int = 500

    func validate() throws {
        guard (1...3600).contains(seconds) else {
            throw ValidationError("--seconds must be between 1 and 3600, got \(seconds)")
        }
        guard (1...1024).contains(connections) else {
            throw ValidationError("--connections must be between 1 and 1024, got \(connections)")
        }
        guard (1...100_000).contains(batch) else {
            throw ValidationError("--batch must be between 1 and 100000 records, got \(batch)")
        }
    }

    func run() async throws {
        let report = try await ReceiverBench.run(seconds: Double(seconds), connections: connections, batch: batch) {
            FileHandle.standardError.write(Data(($0 + "\n").utf8))
        }
        print(report.text)
    }
}
