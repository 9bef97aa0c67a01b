/// What `flywheel loadgen` sends, where, how fast, and what it records.
public struct LoadOptions: Sendable {
    /// The service's base URL (`http://127.0.0.1:8080`); requests go to `URL/v1/events`.
    public var url: String
    /// Events per second the schedule asks for (requests of `batch` events are due at `batch / rate` apart).
    public var rate: Int
    public var batch = 1000
    /// How long new requests are started; requests in progress then still finish (or retry).
    public var seconds: Double = 30
    /// Concurrent keep-alive connections (and requests in flight at most).
    public var connections = 4
    /// A JSON Lines file to send (once, in order) instead of generated events.
    public var eventsFile: String?
    /// The seed of generated events (their ids carry it, so runs with other seeds share no event).
    public var seed: UInt64 = 42
    /// Fraction of generated events followed by a malformed line.
    public var malformedRate: Double?
    /// How much faster than the wall clock the event time of generated events runs (1: as a live service's).
    public var eventTimeSpeed: Double = 1
    /// Sent as `Authorization: Bearer TOKEN`.
    public var token: String?
    /// Where to write the `event_id` of every acknowledged event (one per line, in order of the answers).
    public var ackLog: String?
    /// The service's data folder: watch `signals.preference_pair` there for the ingest-to-pair delay.
    public var dataDir: String?
    /// How long a failed request is retried after the run's end before it counts as given up.
    public var retrySeconds: Double = 60
    /// Per-request timeout.
    public var timeoutSeconds: Int64 = 30

    public init(url: String, rate: Int) {
        self.url = url
        self.rate = rate
    }

    /// Events needed for the whole schedule.
    public var scheduledEvents: Int { Int((Double(rate) * seconds).rounded(.up)) }
}
