/// The body of `GET /v1/stats` (JSON, snake_case keys; a field is null when not known yet).
struct StatsBody: Codable, Sendable {
    var uptimeSeconds: Double
    /// When the service started (ISO 8601, UTC).
    var startedAt: String
    var ready: Bool
    /// CONTRACT section 5 as of the last completed checkpoint (what the sinks committed; equal to
    /// `DIR/counters.json`); before this run's first checkpoint, the checkpoint it resumed from.
    var counters: CountersBody?
    /// The ingest's counters as it last reported (about twice a second).
    var running: RunningCountersBody?
    var watermark: WatermarkBody?
    var lag: LagBody?
    var checkpoint: CheckpointBody?
    var ingest: IngestBody
    /// Each `forward` sink's stats as of the last checkpoint (`DIR/forward/NAME.stats.json`), by sink name.
    var forward: [String: ForwardStatsBody]

    enum CodingKeys: String, CodingKey {
        case uptimeSeconds = "uptime_seconds"
        case startedAt = "started_at"
        case ready, counters, running, watermark, lag, checkpoint, ingest, forward
    }

    /// W of the live job.
    struct WatermarkBody: Codable, Sendable {
        var millis: Int64
        var time: String
        /// Wall clock minus W.
        var delaySeconds: Double

        enum CodingKeys: String, CodingKey {
            case millis, time
            case delaySeconds = "delay_seconds"
        }
    }

    /// The live job's lag on topic `events`: records appended and not yet consumed (or not yet covered by a
    /// checkpoint).
    struct LagBody: Codable, Sendable {
        var topic: String
        var total: Int64
        var committedTotal: Int64
        var partitions: [PartitionLag]

        enum CodingKeys: String, CodingKey {
            case topic, total, partitions
            case committedTotal = "committed_total"
        }
    }

    struct PartitionLag: Codable, Sendable, Equatable {
        var partition: Int
        /// The offset the next appended record gets.
        var endOffset: Int64
        /// The offset after the last record the job consumed.
        var consumed: Int64
        /// The offset after the last record the last checkpoint covers.
        var committed: Int64?
        /// `end_offset - consumed`.
        var lag: Int64
        /// `end_offset - committed`.
        var committedLag: Int64?

        enum CodingKeys: String, CodingKey {
            case partition, consumed, committed, lag
            case endOffset = "end_offset"
            case committedLag = "committed_lag"
        }
    }

    /// The last checkpoint this run completed.
    struct CheckpointBody: Codable, Sendable {
        var id: Int64
        var time: String
        var ageSeconds: Double
        var durationSeconds: Double
        var bytes: Int
        var stateBytes: Int
        var completedThisRun: Int

        enum CodingKeys: String, CodingKey {
            case id, time, bytes
            case ageSeconds = "age_seconds"
            case durationSeconds = "duration_seconds"
            case stateBytes = "state_bytes"
            case completedThisRun = "completed_this_run"
        }
    }

    /// `POST /v1/events` since the service started, and the appender's group commits.
    struct IngestBody: Codable, Sendable {
        var requests: Int
        var acknowledgedRequests: Int
        var eventsAccepted: Int
        var eventsRejected: Int
        var rejectedByReason: [String: Int]
        var groupCommits: Int
        var recordsAppended: Int
        var fsyncs: Int

        enum CodingKeys: String, CodingKey {
            case requests, fsyncs
            case acknowledgedRequests = "acknowledged_requests"
            case eventsAccepted = "events_accepted"
            case eventsRejected = "events_rejected"
            case rejectedByReason = "rejected_by_reason"
            case groupCommits = "group_commits"
            case recordsAppended = "records_appended"
        }
    }

    /// A forward sink's `ForwardStats` (FlywheelForward writes them; read here from its JSON file).
    struct ForwardStatsBody: Codable, Sendable {
        var delivered: Int
        var requests: Int
        var retried: Int
        var deadLettered: Int
        var inFlight: Int
        var pending: Int
        var breaker: String
        var breakerOpenings: Int
        var latencyP50Ms: Double
        var latencyP99Ms: Double

        enum CodingKeys: String, CodingKey {
            case delivered, requests, retried, pending, breaker
            case deadLettered = "dead_lettered"
            case inFlight = "in_flight"
            case breakerOpenings = "breaker_openings"
            case latencyP50Ms = "latency_p50_ms"
            case latencyP99Ms = "latency_p99_ms"
        }

        /// `DIR/forward/NAME.stats.json` as `ForwardStats.write` lays it out (camelCase keys).
        struct File: Codable, Sendable {
            var delivered: Int
            var requests: Int
            var retried: Int
            var deadLettered: Int
            var inFlight: Int
            var pending: Int
            var breaker: String
            var breakerOpenings: Int
            var latencyP50Ms: Double
            var latencyP99Ms: Double
        }

        init(_ file: File) {
            delivered = file.delivered
            requests = file.requests
            retried = file.retried
            deadLettered = file.deadLettered
            inFlight = file.inFlight
            pending = file.pending
            breaker = file.breaker
            breakerOpenings = file.breakerOpenings
            latencyP50Ms = file.latencyP50Ms
            latencyP99Ms = file.latencyP99Ms
        }
    }
}
