import CoreMetrics
import FlywheelRuntime
import FlywheelSignals
import Foundation
import Prometheus
import Synchronization

/// The service's metrics in the Prometheus text format (`GET /metrics`), through swift-metrics with a
/// `PrometheusMetricsFactory`.
///
/// Two registries are emitted. The service's own metrics live in a registry of this service, made through its
/// factory without the global `MetricsSystem`: several services built in one process (the tests) count apart.
/// Code that records through the global system (the forward sinks' `flywheel_forward_*`) lands in
/// `processRegistry`, which the first service bootstraps `MetricsSystem` with, once per process.
///
/// Events are never counted one by one here: requests, group commits and checkpoints record; the job's
/// counters, lag and W are published when scraped, from the last progress and checkpoint.
final class ServiceMetrics: Sendable {
    /// The registry behind `MetricsSystem`, bootstrapped on first use (`MetricsSystem.bootstrap` may run once per
    /// process: nothing else in the `flywheel` binary bootstraps it).
    static let processRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The rejection reasons `POST /v1/events` reports (CONTRACT section 4).
    static let rejectionReasons: [DeadLetterReason] = [
        .malformedJSON, .missingField, .invalidField, .unresolvedReference, .tooLarge,
    ]
    /// Distinct `gen_ai_request_model` values kept; further models are counted as `other` (the label comes from
    /// clients and must not grow without bound).
    static let maxModels = 100

    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let started = ContinuousClock.now

    let fsyncDuration: CoreMetrics.Timer
    let ingestEvents: CoreMetrics.Counter
    private let rejected: [String: CoreMetrics.Counter]
    private let checkpoints: CoreMetrics.Counter
    private let checkpointDuration: CoreMetrics.Timer
    private let checkpointBytes: CoreMetrics.Gauge
    private let stateBytes: CoreMetrics.Gauge
    private let uptime: CoreMetrics.Gauge
    private let published: Mutex<Published>

    /// Handles created when first needed, and the last values the counters were published at.
    private struct Published {
        var counters: [String: (counter: CoreMetrics.Counter, value: Int64)] = [:]
        var gauges: [String: CoreMetrics.Gauge] = [:]
        var models: [String: ModelMetrics] = [:]
    }

    /// The GenAI metrics of one model (OpenTelemetry semantic conventions `gen_ai.client.*`).
    struct ModelMetrics: Sendable {
        let inputTokens: CoreMetrics.Recorder
        let outputTokens: CoreMetrics.Recorder
        let duration: CoreMetrics.Timer
    }

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            "http_server_request_duration_seconds": [
                .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            ],
            "flywheel_ingest_fsync_duration_seconds": [
                .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .seconds(1),
            ],
            // OpenTelemetry's advice for gen_ai.client.operation.duration.
            "gen_ai_client_operation_duration_seconds": [
                0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
            ].map { Duration.milliseconds(Int64($0 * 1000)) },
        ]
        // OpenTelemetry's advice for gen_ai.client.token.usage.
        factory.valueHistogramBuckets["gen_ai_client_token_usage"] = [
            1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864,
        ]
        self.factory = factory
        fsyncDuration = CoreMetrics.Timer(label: "flywheel_ingest_fsync_duration_seconds", factory: factory)
        ingestEvents = CoreMetrics.Counter(label: "flywheel_ingest_events_total", factory: factory)
        rejected = Dictionary(
            uniqueKeysWithValues: Self.rejectionReasons.map { reason in
                (
                    reason.rawValue,
                    CoreMetrics.Counter(
                        label: "flywheel_ingest_rejected_events_total", dimensions: [("reason", reason.rawValue)],
                        factory: factory)
                )
            })
        checkpoints = CoreMetrics.Counter(label: "flywheel_checkpoints_total", factory: factory)
        checkpointDuration = CoreMetrics.Timer(label: "flywheel_checkpoint_duration_seconds", factory: factory)
        checkpointBytes = CoreMetrics.Gauge(label: "flywheel_checkpoint_size_bytes", factory: factory)
        stateBytes = CoreMetrics.Gauge(label: "flywheel_state_size_bytes", factory: factory)
        uptime = CoreMetrics.Gauge(label: "flywheel_uptime_seconds", factory: factory)
        published = Mutex(Published())
        _ = Self.processRegistry
    }

    // MARK: Recorded as it happens

    /// A request to `POST /v1/events` was acknowledged: its accepted lines and rejected lines by reason.
    func ingested(accepted: Int, rejected: [String: Int]) {
        ingestEvents.increment(by: accepted)
        // The reasons are a closed set (`rejectionReasons`).
        for (reason, count) in rejected { self.rejected[reason]?.increment(by: count) }
    }

    /// A checkpoint completed.
    func checkpointCompleted(_ checkpoint: CompletedCheckpoint) {
        checkpoints.increment()
        checkpointDuration.recordNanoseconds(Int64(checkpoint.seconds * 1e9))
        checkpointBytes.record(checkpoint.bytes)
        stateBytes.record(checkpoint.stateBytes)
    }

    /// The GenAI metrics of `model` (nil: `unknown`), created when first seen; past `maxModels`, `other`.
    func model(_ model: String?) -> ModelMetrics {
        published.withLock { published in
            var name = model ?? "unknown"
            if published.models[name] == nil && published.models.count >= Self.maxModels { name = "other" }
            if let known = published.models[name] { return known }
            let model = [("gen_ai_operation_name", "chat"), ("gen_ai_request_model", name)]
            let metrics = ModelMetrics(
                inputTokens: CoreMetrics.Recorder(
                    label: "gen_ai_client_token_usage", dimensions: model + [("gen_ai_token_type", "input")],
                    factory: factory),
                outputTokens: CoreMetrics.Recorder(
                    label: "gen_ai_client_token_usage", dimensions: model + [("gen_ai_token_type", "output")],
                    factory: factory),
                duration: CoreMetrics.Timer(
                    label: "gen_ai_client_operation_duration_seconds", dimensions: model, factory: factory))
            published.models[name] = metrics
            return metrics
        }
    }

    // MARK: Published when scraped

    /// Sets a counter to `value` (it only grows: a smaller value is ignored).
    func publishCounter(_ name: String, _ dimensions: [(String, String)] = [], value: Int64) {
        let key = Self.key(name, dimensions)
        published.withLock { published in
            let entry =
                published.counters[key] ?? (
                    CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory), 0
                )
            if value > entry.value { entry.counter.increment(by: value - entry.value) }
            published.counters[key] = (entry.counter, max(value, entry.value))
        }
    }

    /// Sets a gauge, created when first set.
    func publishGauge(_ name: String, _ dimensions: [(String, String)] = [], value: Double) {
        let key = Self.key(name, dimensions)
        published.withLock { published in
            let gauge =
                published.gauges[key] ?? CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
            published.gauges[key] = gauge
            gauge.record(value)
        }
    }

    /// The exposition of both registries, after `uptime` was set.
    func exposition() -> [UInt8] {
        uptime.record((ContinuousClock.now - started).seconds)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        Self.processRegistry.emit(into: &buffer)
        return buffer
    }

    private static func key(_ name: String, _ dimensions: [(String, String)]) -> String {
        dimensions.reduce(name) { $0 + "|" + $1.0 + "=" + $1.1 }
    }
}
