import FlywheelSignals

extension Observability {
    /// The Prometheus text of `GET /metrics`, after publishing what is read rather than recorded: the job's
    /// counters (as last reported), lag, W, the appender's commits.
    func metricsText() -> [UInt8] {
        let snapshot = monitor.snapshot
        if let running = snapshot.running {
            metrics.publishCounter("flywheel_events_in_total", value: running.eventsIn)
            metrics.publishCounter("flywheel_invalid_events_total", value: running.invalidEvents)
            metrics.publishCounter("flywheel_duplicates_dropped_total", value: running.duplicatesDropped)
            metrics.publishCounter("flywheel_late_events_total", value: running.lateEvents)
            metrics.publishCounter("flywheel_events_accepted_total", value: running.eventsAccepted)
        }
        if let checkpointed = snapshot.checkpointed {
            metrics.publishCounter("flywheel_unresolved_references_total", value: checkpointed.unresolvedReferences)
            for kind in SignalKind.allCases {
                metrics.publishCounter(
                    "flywheel_signals_out_total", [("kind", kind.rawValue)], value: checkpointed.signalsOut[kind] ?? 0)
            }
        }
        let totals = ingest.snapshot
        let appended = appender.stats
        metrics.publishCounter("flywheel_ingest_requests_total", value: Int64(totals.requests))
        metrics.publishCounter("flywheel_ingest_group_commits_total", value: Int64(appended.commits))
        metrics.publishCounter("flywheel_ingest_fsyncs_total", value: Int64(appended.syncs))
        if let lag = lag(snapshot) {
            for partition in lag.partitions {
                metrics.publishGauge(
                    "flywheel_consumer_lag_records",
                    [("topic", lag.topic), ("partition", String(partition.partition))],
                    value: Double(partition.lag))
            }
        }
        if let watermark = snapshot.watermark {
            metrics.publishGauge("flywheel_watermark_seconds", value: Double(watermark.millis) / 1000)
            metrics.publishGauge(
                "flywheel_watermark_delay_seconds", value: Double(Self.nowMillis() - watermark.millis) / 1000)
        }
        metrics.publishGauge("flywheel_ready", value: status.isReady ? 1 : 0)
        return metrics.exposition()
    }
}
