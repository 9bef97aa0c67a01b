import ArgumentParser
import FlywheelForward
import Foundation

/// `flywheel bench forward`: what the forwarder delivers to a loopback receiver, against the receiver alone.
struct BenchForwardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Measure records/s and delivery latency of forwarding to a loopback HTTP receiver.",
        discussion: """
            For each --batch size: first what the loopback receiver alone takes from --max-in-flight plain \
            async-http-client connections (for --receiver-seconds), then a Forwarder pushing --records records of \
            about 300 bytes to the same kind of receiver with --max-in-flight requests at once. Reports \
            records/s, the delivery latency p50/p99 (from a record's submission to its 2xx; at full speed it \
            includes the wait behind max_pending records) and the ratio to the receiver alone. Build in release:
              swift run -c release flywheel bench forward --records 1000000 --batch 500 --batch 1
            """)

    @Option(parsing: .unconditional, help: "Records to forward per batch size.")
    var records: Int = 200_000

    @Option(parsing: .singleValue, help: "Records per request (repeatable: one run each; default 500 and 1).")
    var batch: [Int] = []

    @Option(parsing: .unconditional, help: "Requests in flight at once (and the receiver-alone connections).")
    var maxInFlight: Int = 8

    @Option(parsing: .unconditional, help: "Seconds of the receiver-alone measurement.")
    var receiverSeconds: Int = 5

    func validate() throws {
        guard records >= 1 else { throw ValidationError("--records must be at least 1") }
        guard batch.allSatisfy({ (1...10_000).contains($0) }) else {
            throw ValidationError("--batch must be 1 to 10000")
        }
        guard (1...256).contains(maxInFlight) else { throw ValidationError("--max-in-flight must be 1 to 256") }
        guard (1...600).contains(receiverSeconds) else { throw ValidationError("--receiver-seconds must be 1 to 600") }
    }

    func run() async throws {
        for size in batch.isEmpty ? [500, 1] : batch {
            // Single-record requests go one per round trip: fewer records keep the run short.
            let count = size == 1 ? min(records, 20_000) : records
            let report = try await ForwardBench.run(
                records: count, batch: size, maxInFlight: maxInFlight, receiverSeconds: Double(receiverSeconds)
            ) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            print(report.text)
        }
    }
}
