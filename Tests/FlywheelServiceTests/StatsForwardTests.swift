import FlywheelForward
import FlywheelService
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// A served pipeline with a `forward` sink: its stats in `GET /v1/stats`, its swift-metrics in `GET /metrics`.
@Suite(.timeLimit(.minutes(5)))
struct StatsForwardTests {
    @Test func forwardSinkStatsAndMetricsAreServed() async throws {
        let folder = try TemporaryFolder("serve-stats-forward")
        defer { folder.remove() }
        let receiver = try await LoopbackReceiver.start()
        // A destination name of this test only: the forward metrics live in the process-wide registry.
        let sink = "hook_\(UInt32.random(in: 0...UInt32.max))"
        let yaml = """
            time: { idle_advance: none }
            checkpoint: { interval: 200ms }
            sinks:
              signals: { kind: folder, path: signals }
              \(sink): { kind: forward, url: "\(receiver.url("/dead"))", kinds: [dead_letter], batch: 10 }
            """
        var configuration = try ServiceHarness.configuration(data: folder.file("data"), yaml: yaml)
        configuration.externalSink = { spec, dataDir in try ForwardSink.make(spec, dataDir: dataDir) }
        let lines = try StatsTests.lines(in: folder, conversations: 40)
        try await ServiceHarness.run(configuration) { service in
            try await service.eventually { service.server.status.isReady }
            let posted = try await StatsTests.post(lines, to: service)
            let rejected = posted.rejected.values.reduce(0, +)
            try #require(rejected > 0)
            // Every rejected line becomes a dead letter, which the sink delivers; a checkpoint writes its stats.
            try await service.eventually {
                let stats = try await service.get("/v1/stats").json
                let forward = (stats["forward"] as? [String: Any])?[sink] as? [String: Any]
                return forward?["delivered"] as? Int == rejected
            }
            let stats = try await service.get("/v1/stats").json
            let forward = try #require((stats["forward"] as? [String: Any])?[sink] as? [String: Any])
            #expect(forward["breaker"] as? String == "closed")
            #expect((forward["requests"] as? Int ?? 0) >= 1 && forward["dead_lettered"] as? Int == 0)
            #expect(receiver.accepted.reduce(0) { $0 + $1.lineCount } == rejected)
            let metrics = try PrometheusText(try await service.get("/metrics").body)
            #expect(metrics.sum("flywheel_forward_delivered_records_total", ["destination": sink]) == Double(rejected))
            #expect(metrics.types["flywheel_forward_delivery_duration_seconds"] == "histogram")
            #expect(metrics.sum("flywheel_ingest_events_total") == Double(posted.accepted))
        }
        try await receiver.stop()
    }
}
