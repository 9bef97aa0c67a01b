/// A `forward` sink (or `flywheel forward`): where and how records are pushed to an HTTP service.
///
/// Pure configuration: FlywheelForward delivers; the pipeline parser and the CLI flags fill it in.
public struct ForwardSpec: Sendable, Equatable {
    /// A header whose value may name secrets: `${env:NAME}` is replaced by the environment variable
    /// NAME and `${file:PATH}` by the file's content (trailing newlines cut), when the sink opens.
    /// Only the template is ever rendered or logged, never the resolved value.
    public struct Header: Sendable, Equatable {
        public var name: String
        public var template: String
        public init(name: String, template: String) {
            self.name = name
            self.template = template
        }
    }

    /// Retries of a request that failed in a way worth retrying (5xx, 408, 429, a timeout, a
    /// connection error): up to `maxAttempts` attempts in all, waiting a random time up to
    /// `min(capMs, baseMs * 2^(attempt-1))` between them ("full jitter"), or what `Retry-After` says.
    public struct Retry: Sendable, Equatable {
        public var maxAttempts: Int
        public var baseMs: Int64
        public var capMs: Int64
        public init(maxAttempts: Int = 8, baseMs: Int64 = 100, capMs: Int64 = 30_000) {
            self.maxAttempts = maxAttempts
            self.baseMs = baseMs
            self.capMs = capMs
        }
    }

    /// The circuit breaker of the destination: it opens after `failures` failed attempts in a row,
    /// lets one probe through after `cooldownMs`, and closes when a probe succeeds.
    public struct Breaker: Sendable, Equatable {
        public var failures: Int
        public var cooldownMs: Int64
        public init(failures: Int = 5, cooldownMs: Int64 = 5_000) {
            self.failures = failures
            self.cooldownMs = cooldownMs
        }
    }

    /// Where records that cannot be delivered go.
    public enum DeadLetters: Sendable, Equatable {
        /// An embedded-log topic in the data folder (created when missing).
        case topic(String)
        /// JSONL files in a folder (relative to the data folder unless absolute).
        case folder(String)
    }

    /// `http://host[:port]/path` or `https://...`.
    public var url: String
    public var headers: [Header]
    /// Records per request (a JSON Lines body).
    public var batch: Int
    /// Requests in flight at once.
    public var maxInFlight: Int
    /// Time allowed for one attempt, from sending to the whole response.
    public var timeoutMs: Int64
    /// Requests per second at most (a token bucket of one second's burst); nil = unlimited.
    public var rate: Double?
    public var retry: Retry
    public var breaker: Breaker
    /// nil = the default: topic `<name>.dlq` in the data folder.
    public var deadLetters: DeadLetters?
    /// A top-level field of the records (e.g. `conversation_id`): records with the same value are
    /// never in flight together, and are delivered in order.
    public var orderedBy: String?
    /// Records accepted but not yet settled (waiting or in flight) at most; beyond it the sink
    /// stops taking records, and back-pressure reaches the pipeline.
    public var maxPending: Int

    public static let defaultBatch = 500
    public static let defaultMaxInFlight = 4
    public static let defaultTimeoutMs: Int64 = 10_000
    public static let defaultMaxPending = 20_000

    public init(
        url: String, headers: [Header] = [], batch: Int = ForwardSpec.defaultBatch,
        maxInFlight: Int = ForwardSpec.defaultMaxInFlight, timeoutMs: Int64 = ForwardSpec.defaultTimeoutMs,
        rate: Double? = nil, retry: Retry = Retry(), breaker: Breaker = Breaker(), deadLetters: DeadLetters? = nil,
        orderedBy: String? = nil, maxPending: Int = ForwardSpec.defaultMaxPending
    ) {
        self.url = url
        self.headers = headers
        self.batch = batch
        self.maxInFlight = maxInFlight
        self.timeoutMs = timeoutMs
        self.rate = rate
        self.retry = retry
        self.breaker = breaker
        self.deadLetters = deadLetters
        self.orderedBy = orderedBy
        self.maxPending = maxPending
    }
}
