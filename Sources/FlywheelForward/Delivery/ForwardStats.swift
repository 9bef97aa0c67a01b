import CoreMetrics
import FlywheelConnectors
import Foundation
import Synchronization

/// What a forwarder did, as numbers: for progress lines, `counters.json`, benchmarks and tests.
public struct ForwardStats: Sendable, Equatable, Codable {
    /// Records the receiver took (2xx).
    public var delivered: Int = 0
    /// Requests answered 2xx.
    public var requests: Int = 0
    /// Attempts that failed and were tried again.
    public var retried: Int = 0
    /// Records sent to the dead-letter queue.
    public var deadLettered: Int = 0
    /// Requests being sent now.
    public var inFlight: Int = 0
    /// Records accepted and not yet settled.
    public var pending: Int = 0
    /// `closed`, `open` or `half-open`.
    public var breaker: String = "closed"
    /// How many times the breaker opened.
    public var breakerOpenings: Int = 0
    /// Time from a record's submission to its settlement, in milliseconds (p50 and p99 over the run).
    public var latencyP50Ms: Double = 0
    public var latencyP99Ms: Double = 0

    public init() {}

    /// One line for people.
    public var summary: String {
        "\(delivered) delivered in \(requests) requests, \(retried) retried, \(deadLettered) dead-lettered, "
            + "\(inFlight) in flight, \(pending) pending, breaker \(breaker); latency p50 "
            + "\(formatted(latencyP50Ms)) ms, p99 \(formatted(latencyP99Ms)) ms"
    }

    private func formatted(_ value: Double) -> String { String(Int(value.rounded())) }

    /// `DIR/forward/NAME.stats.json`: where a forward sink or `flywheel forward` keeps its stats.
    public static func path(dataDir: String, name: String) -> String {
        ((dataDir as NSString).appendingPathComponent("forward") as NSString).appendingPathComponent(
            name + ".stats.json")
    }

    /// Writes the stats as JSON (atomically, creating the folder).
    public func write(to path: String) throws(ConnectorError) {
        try AtomicFile.createFolder((path as NSString).deletingLastPathComponent, what: "forward stats folder")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(self) else { return }
        try AtomicFile.write(Array(data) + [UInt8(ascii: "\n")], to: path)
    }
}

/// Latencies in a log-linear histogram (16 sub-buckets per power of two of microseconds: within 6 %).
struct LatencyHistogram: Sendable {
    private var counts = [Int](repeating: 0, count: 64 * 16)
    private(set) var total = 0

    mutating func record(micros: Int64) {
        counts[Self.bucket(max(1, micros))] += 1
        total += 1
    }

    /// The `q` quantile (0...1), in milliseconds.
    func quantileMs(_ q: Double) -> Double {
        guard total > 0 else { return 0 }
        let rank = max(1, Int((Double(total) * q).rounded(.up)))
        var seen = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return Double(Self.upperBound(index)) / 1000 }
        }
        return 0
    }

    private static func bucket(_ value: Int64) -> Int {
        let exponent = 63 - value.leadingZeroBitCount
        guard exponent >= 4 else { return Int(value) }
        let mantissa = Int((value >> (exponent - 4)) & 0xF)
        return min((exponent - 3) * 16 + mantissa, 64 * 16 - 1)
    }

    private static func upperBound(_ index: Int) -> Int64 {
        guard index >= 16 else { return Int64(index) }
        let exponent = index / 16 + 3
        let mantissa = Int64(index % 16)
        return (Int64(16) + mantissa + 1) << (exponent - 4)
    }
}

/// The destination's metrics in swift-metrics (exported by whatever backend the process bootstraps,
/// e.g. Prometheus under `flywheel serve`), dimensioned by destination name.
struct ForwardMetrics: Sendable {
    let delivered: Counter
    let requests: Counter
    let retried: Counter
    let deadLettered: Counter
    let inFlight: Gauge
    let pending: Gauge
    let breaker: Gauge
    let latency: CoreMetrics.Timer

    init(destination: String) {
        let dimensions = [("destination", destination)]
        delivered = Counter(label: "flywheel_forward_delivered_records_total", dimensions: dimensions)
        requests = Counter(label: "flywheel_forward_requests_total", dimensions: dimensions)
        retried = Counter(label: "flywheel_forward_retries_total", dimensions: dimensions)
        deadLettered = Counter(label: "flywheel_forward_dead_lettered_records_total", dimensions: dimensions)
        inFlight = Gauge(label: "flywheel_forward_in_flight_requests", dimensions: dimensions)
        pending = Gauge(label: "flywheel_forward_pending_records", dimensions: dimensions)
        breaker = Gauge(label: "flywheel_forward_breaker_state", dimensions: dimensions)
        latency = CoreMetrics.Timer(label: "flywheel_forward_delivery_duration_seconds", dimensions: dimensions)
    }
}
