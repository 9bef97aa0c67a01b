import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import ServiceLifecycle

/// What `flywheel serve` runs: where it listens, its limits, the pipeline and its data folder.
///
/// The listening settings come from flags, then the environment (`FLYWHEEL_HOST`, `FLYWHEEL_PORT`,
/// `FLYWHEEL_MAX_BODY`), then the defaults: `resolveListening(flags:environment:)`.
public struct ServiceConfiguration: Sendable {
    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8080
    public static let defaultMaxBodyBytes = 8 << 20

    public var host = ServiceConfiguration.defaultHost
    /// 0: a port the OS picks (`FlywheelServer.status.boundPort()` tells which).
    public var port = ServiceConfiguration.defaultPort
    /// The largest request body taken, compressed and decompressed (413 beyond).
    public var maxBodyBytes = ServiceConfiguration.defaultMaxBodyBytes
    /// Listen beyond loopback without authentication (which comes in a later phase).
    public var insecureListenAny = false
    /// The seconds a 503 asks a client to wait (`Retry-After`).
    public var retryAfterSeconds = 1
    /// The live pipeline: its sources and sinks, or the service's defaults when it declares none.
    public var pipeline: LoadedPipeline
    /// The job's home: the `events` topic, the signal topics and folder, the checkpoints.
    public var dataDir: String
    public var parallelism: Int
    public var batchLines: Int = ReplayOptions.defaultBatchLines
    /// Builds the sinks FlywheelConnectors cannot (`forward`); the `flywheel` binary sets it.
    public var externalSink: (@Sendable (PipelineConfig.SinkSpec, _ dataDir: String) throws -> any Sink)?
    /// Whether SIGTERM and SIGINT start a graceful shutdown (the CLI); tests trigger it on the group.
    public var stopsOnSignals = false
    /// How long a signal stream (`GET /v1/signals/{kind}/stream`) stays silent before a heartbeat comment.
    public var streamHeartbeat: Duration = .seconds(15)
    /// Receives warnings of the live job.
    public var warn: @Sendable (String) -> Void = { _ in }

    public init(pipeline: LoadedPipeline, dataDir: String, parallelism: Int = 1) {
        self.pipeline = pipeline
        self.dataDir = dataDir
        self.parallelism = max(1, parallelism)
    }

    /// The flags given for the listening settings (nil: not given).
    public struct ListeningFlags: Sendable {
        public var host: String?
        public var port: Int?
        public var maxBody: String?

        public init(host: String? = nil, port: Int? = nil, maxBody: String? = nil) {
            self.host = host
            self.port = port
            self.maxBody = maxBody
        }
    }

    /// Sets host, port and body limit from `flags`, else from `environment`, else keeps the defaults, and
    /// refuses a host beyond loopback unless `insecureListenAny` is set.
    public mutating func resolveListening(
        flags: ListeningFlags, environment: [String: String]
    ) throws(ServiceError) {
        if let host = flags.host ?? environment["FLYWHEEL_HOST"] {
            guard !host.isEmpty else {
                throw ServiceError(.invalidOption, "\(Self.source("--host", flags.host, "FLYWHEEL_HOST")) is empty")
            }
            self.host = host
        }
        if let port = flags.port {
            self.port = try Self.port(port, from: "--port")
        } else if let text = environment["FLYWHEEL_PORT"] {
            guard let port = Int(text) else {
                throw ServiceError(.invalidOption, "FLYWHEEL_PORT must be a port number (0 to 65535), got '\(text)'")
            }
            self.port = try Self.port(port, from: "FLYWHEEL_PORT")
        }
        if let text = flags.maxBody ?? environment["FLYWHEEL_MAX_BODY"] {
            let name = Self.source("--max-body", flags.maxBody, "FLYWHEEL_MAX_BODY")
            guard let bytes = parseSize(text), bytes >= 1024, bytes <= 1 << 30 else {
                throw ServiceError(
                    .invalidOption, "\(name) must be a size from 1KiB to 1GiB (e.g. 8MiB, 512KiB), got '\(text)'")
            }
            maxBodyBytes = bytes
        }
        try checkHost()
    }

    /// Refuses a host that is not loopback unless `insecureListenAny`.
    public func checkHost() throws(ServiceError) {
        guard !insecureListenAny, !Self.isLoopback(host) else { return }
        throw ServiceError(
            .invalidOption,
            "refusing to listen on \(host): the service has no authentication yet (tokens come in a later phase), "
                + "so it listens on loopback only (127.0.0.1, ::1, localhost); put it behind a proxy that "
                + "authenticates, or pass --insecure-listen-any to expose it anyway")
    }

    /// Whether `host` names the loopback interface.
    public static func isLoopback(_ host: String) -> Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        let ipv4Loopback = parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
        return ipv4Loopback || host == "localhost" || host == "::1" || host == "[::1]"
    }

    private static func port(_ port: Int, from name: String) throws(ServiceError) -> Int {
        guard (0...65535).contains(port) else {
            throw ServiceError(.invalidOption, "\(name) must be a port number (0 to 65535), got \(port)")
        }
        return port
    }

    private static func source(_ flag: String, _ value: String?, _ variable: String) -> String {
        value == nil ? variable : flag
    }
}
