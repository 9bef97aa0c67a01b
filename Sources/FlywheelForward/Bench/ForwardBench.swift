import FlywheelConnectors
import FlywheelSignals
import Foundation

/// `flywheel bench forward`: records/s a `Forwarder` delivers to a loopback receiver, and its delivery
/// latency, next to what the receiver alone takes from plain concurrent clients in the same run.
public enum ForwardBench {
    public struct Report: Sendable {
        public var batch: Int
        public var maxInFlight: Int
        public var records: Int
        public var seconds: Double
        public var stats: ForwardStats
        /// Latency at a steady `pacedRate` records/s (half the throughput measured), when measured.
        public var paced: (rate: Double, stats: ForwardStats)?
        /// The receiver alone, same batch and connections.
        public var receiverAlone: ReceiverBench.Report

        public var recordsPerSecond: Double { Double(records) / seconds }

        public var text: String {
            let ratio = recordsPerSecond / max(receiverAlone.recordsPerSecond, 1)
            var text =
                "batch \(batch), max_in_flight \(maxInFlight): forwarder \(Int(recordsPerSecond)) records/s "
                + "(\(records) in \(String(format: "%.2f", seconds)) s); receiver alone "
                + "\(Int(receiverAlone.recordsPerSecond)) records/s; forwarder/receiver \(String(format: "%.2f", ratio))"
            if let paced {
                text +=
                    "; latency at \(Int(paced.rate)) records/s: p50 \(String(format: "%.1f", paced.stats.latencyP50Ms)) ms, "
                    + "p99 \(String(format: "%.1f", paced.stats.latencyP99Ms)) ms"
            }
            return text
        }
    }

    /// Forwards `records` records of about 300 bytes in requests of `batch`, after measuring the receiver
    /// alone for `receiverSeconds`.
    public static func run(
        records: Int, batch: Int, maxInFlight: Int, receiverSeconds: Double, pacedSeconds: Double = 3,
        progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let alone = try await ReceiverBench.run(seconds: receiverSeconds, connections: maxInFlight, batch: batch)
        progress("receiver alone: \(Int(alone.recordsPerSecond)) records/s")
        let full = try await forward(records: records, batch: batch, maxInFlight: maxInFlight, rate: nil)
        let seconds = Double(full.elapsed.components.seconds) + Double(full.elapsed.components.attoseconds) / 1e18
        var report = Report(
            batch: batch, maxInFlight: maxInFlight, records: records, seconds: seconds, stats: full.stats,
            receiverAlone: alone)
        if pacedSeconds > 0 {
            let rate = report.recordsPerSecond / 2
            progress("throughput: \(Int(report.recordsPerSecond)) records/s; latency at \(Int(rate)) records/s")
            let paced = try await forward(
                records: max(batch, Int(rate * pacedSeconds)), batch: batch, maxInFlight: maxInFlight, rate: rate)
            report.paced = (rate, paced.stats)
        }
        return report
    }

    /// Forwards `records` records, as fast as it can or at `rate` records/s.
    private static func forward(
        records: Int, batch: Int, maxInFlight: Int, rate: Double?
    ) async throws -> (elapsed: Duration, stats: ForwardStats) {
        let receiver = try await LoopbackReceiver.start(recordsBodies: false)
        let folder = NSTemporaryDirectory() + "flywheel-bench-forward-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let deadLetters = try FolderDeadLetters(path: folder)
        var spec = ForwardSpec(
            url: receiver.url("/bench"), batch: batch, maxInFlight: maxInFlight, timeoutMs: 30_000,
            maxPending: max(ForwardSpec.defaultMaxPending, batch * maxInFlight * 4))
        spec.breaker = ForwardSpec.Breaker(failures: 1_000, cooldownMs: 1_000)
        let forwarder = Forwarder(name: "bench", spec: spec, headers: [], keys: .content, deadLetters: deadLetters)
        // Distinct bytes per record, as real records are (keys hash the bytes); made before the clock starts.
        let template = ReceiverBench.body(batch: 100).split(separator: UInt8(ascii: "\n")).map(Array.init)
        let pool = (0..<min(records, 50_000)).map { index -> [UInt8] in
            var value = template[index % template.count]
            let tag = Array(String(index).utf8)
            value.replaceSubrange(value.count - 2 - tag.count..<value.count - 2, with: tag)
            return value
        }
        let chunkSize = rate.map { max(1, min(1_000, Int($0 / 100))) } ?? 1_000
        let clock = ContinuousClock()
        let start = clock.now
        var position: Int64 = 0
        var chunk: [ForwardItem] = []
        chunk.reserveCapacity(chunkSize)
        while position < Int64(records) {
            chunk.removeAll(keepingCapacity: true)
            while chunk.count < chunkSize && position < Int64(records) {
                chunk.append(ForwardItem(value: pool[Int(position) % pool.count], position: position))
                position += 1
            }
            if let rate {
                try await clock.sleep(until: start + .seconds(Double(position) / rate))
                try await forwarder.submit(chunk)
                await forwarder.flush()  // a steady stream: each chunk goes when it is due
            } else {
                try await forwarder.submit(chunk)
            }
        }
        try await forwarder.drain()
        let elapsed = start.duration(to: clock.now)
        let stats = forwarder.stats
        try await forwarder.close()
        deadLetters.close()
        try await receiver.stop()
        let counted = receiver.counters
        guard stats.delivered == records, counted.acceptedLines >= records else {
            throw ConnectorError(
                .writeFailed,
                "bench forward: \(stats.delivered) of \(records) delivered, receiver counted \(counted.acceptedLines)")
        }
        return (elapsed, stats)
    }
}
