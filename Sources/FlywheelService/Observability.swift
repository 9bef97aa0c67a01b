import FlywheelConnectors
import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation
import Hummingbird

/// `GET /v1/stats` and `GET /metrics`: what the live job, the ingest and the forward sinks report, as JSON and as
/// Prometheus text. One per service; `buildApplication` wires its hooks into the job and its routes.
struct Observability: Sendable {
    let monitor: JobMonitor
    let metrics: ServiceMetrics
    let ingest: IngestTotals
    let appender: IngestAppender
    let status: ServiceStatus
    let dataDir: String
    /// The names of the pipeline's `forward` sinks.
    let forwardSinks: [String]
    private let startedMillis = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))

    init(
        config: PipelineConfig, dataDir: String, countersPath: String, metrics: ServiceMetrics,
        appender: IngestAppender, status: ServiceStatus
    ) {
        monitor = JobMonitor(
            eventsPartitions: JobMonitor.eventsPartitions(of: config, dataDir: dataDir),
            resumedCounters: JobMonitor.savedCounters(path: countersPath),
            onCheckpoint: { [metrics] in metrics.checkpointCompleted($0) })
        self.metrics = metrics
        ingest = IngestTotals()
        self.appender = appender
        self.status = status
        self.dataDir = dataDir
        forwardSinks = config.sinks.compactMap { sink in
            if case .forward = sink.kind { return sink.name }
            return nil
        }
    }

    /// What the ingest endpoint reports to.
    var ingestObserver: IngestObserver { IngestObserver(totals: ingest, metrics: metrics) }

    /// Sets the job's hooks that feed the monitor (about twice a second, and once per checkpoint).
    func observe(_ options: inout RunOptions) {
        options.progress = { [monitor] in monitor.progress($0) }
        options.onCheckpointCompleted = { [monitor] in monitor.checkpointCompleted($0) }
    }

    /// Adds the request-duration middleware: call it before any route is added (it covers the routes after it).
    func addMiddleware(to router: Router<BasicRequestContext>) {
        router.add(middleware: HTTPMetricsMiddleware(metrics: metrics))
    }

    /// Adds `GET /v1/stats` and `GET /metrics`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/v1/stats") { _, _ in EventsEndpoint.json(.ok, stats()) }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metricsText())))
        }
    }

    // MARK: GET /v1/stats

    func stats() -> StatsBody {
        let snapshot = monitor.snapshot
        let now = Self.nowMillis()
        let totals = ingest.snapshot
        let appended = appender.stats
        return StatsBody(
            uptimeSeconds: (ContinuousClock.now - metrics.started).seconds, startedAt: Self.iso(startedMillis),
            ready: status.isReady, counters: snapshot.checkpointed.map(CountersBody.init),
            running: snapshot.running.map(RunningCountersBody.init),
            watermark: snapshot.watermark.map { w in
                .init(millis: w.millis, time: Self.iso(w.millis), delaySeconds: Double(now - w.millis) / 1000)
            },
            lag: lag(snapshot),
            checkpoint: snapshot.checkpoint.map { checkpoint in
                .init(
                    id: checkpoint.id, time: Self.iso(checkpoint.createdMillis),
                    ageSeconds: Double(now - checkpoint.createdMillis) / 1000, durationSeconds: checkpoint.seconds,
                    bytes: checkpoint.bytes, stateBytes: checkpoint.stateBytes,
                    completedThisRun: snapshot.checkpointsThisRun)
            },
            ingest: .init(
                requests: totals.requests, acknowledgedRequests: totals.acknowledged,
                eventsAccepted: totals.eventsAccepted, eventsRejected: totals.eventsRejected,
                rejectedByReason: totals.rejectedByReason, groupCommits: appended.commits,
                recordsAppended: appended.records, fsyncs: appended.syncs),
            forward: forwardStats())
    }

    /// Per partition of `events`: its end, the job's consumed and committed positions. The consumed position is
    /// never taken below the committed one nor below the log's start (before the job consumed a record there).
    func lag(_ snapshot: JobMonitor.Snapshot) -> StatsBody.LagBody? {
        guard let range = monitor.eventsPartitions else { return nil }
        let offsets = appender.offsets
        guard offsets.count == range.count else { return nil }
        let partitions = range.enumerated().map { partition, global in
            let committed = snapshot.checkpoint.flatMap {
                $0.positions.indices.contains(global) ? $0.positions[global].offset : nil
            }
            let reported = snapshot.progress.flatMap {
                $0.positions.indices.contains(global) ? $0.positions[global].offset : nil
            }
            let end = offsets[partition].end
            let consumed = min(end, max(reported ?? 0, committed ?? 0, offsets[partition].start))
            return StatsBody.PartitionLag(
                partition: partition, endOffset: end, consumed: consumed, committed: committed, lag: end - consumed,
                committedLag: committed.map { max(0, end - $0) })
        }
        return StatsBody.LagBody(
            topic: LivePipeline.eventsTopic, total: partitions.reduce(0) { $0 + $1.lag },
            committedTotal: partitions.reduce(0) { $0 + ($1.committedLag ?? $1.endOffset) }, partitions: partitions)
    }

    private func forwardStats() -> [String: StatsBody.ForwardStatsBody] {
        var stats: [String: StatsBody.ForwardStatsBody] = [:]
        for name in forwardSinks {
            let path = ((dataDir as NSString).appendingPathComponent("forward") as NSString).appendingPathComponent(
                name + ".stats.json")
            guard let data = FileManager.default.contents(atPath: path),
                let file = try? JSONDecoder().decode(StatsBody.ForwardStatsBody.File.self, from: data)
            else { continue }
            stats[name] = StatsBody.ForwardStatsBody(file)
        }
        return stats
    }

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    static func iso(_ millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
