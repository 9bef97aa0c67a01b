import Synchronization

/// What `POST /v1/events` took since the service started: requests, lines accepted, lines rejected by their
/// dead-letter reason. Updated once per request (never per line), read by `GET /v1/stats`.
final class IngestTotals: Sendable {
    struct Counts: Sendable, Equatable {
        /// Requests to `POST /v1/events`, whatever their answer.
        var requests = 0
        /// Requests answered 200 (their lines durably appended).
        var acknowledged = 0
        var eventsAccepted = 0
        var eventsRejected = 0
        /// Rejected lines by dead-letter reason (CONTRACT section 4).
        var rejectedByReason: [String: Int] = [:]
    }

    private let counts = Mutex(Counts())

    var snapshot: Counts { counts.withLock { $0 } }

    func requestReceived() { counts.withLock { $0.requests += 1 } }

    /// A request whose lines were appended: `accepted` valid lines, `rejected` reasons (one per rejected line).
    func acknowledged(accepted: Int, rejected: [String: Int]) {
        counts.withLock { counts in
            counts.acknowledged += 1
            counts.eventsAccepted += accepted
            for (reason, count) in rejected {
                counts.eventsRejected += count
                counts.rejectedByReason[reason, default: 0] += count
            }
        }
    }
}
