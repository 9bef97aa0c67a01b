import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import ServiceLifecycle

/// What `flywheel serve` runs: where it listens, its limits, the pipeline and its data folder.
///
/// The listening settings come from flags, then the environment (`FLYWHEEL_HOST`, `FLYWHEEL_PORT`,
/// `FLYWHEEL_MAX_BODY`, `FLYWHEEL_CLIENT_TIMEOUT`, `FLYWHEEL_INGEST_TOKENS`, `FLYWHEEL_READ_TOKENS`), then the
/// pipeline file's `service:` section, then the defaults: `resolveListening(flags:environment:)`.
public struct ServiceConfiguration: Sendable {
    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8080
    public static let defaultMaxBodyBytes = 8 << 20
    public static let defaultClientTimeout = Duration.seconds(30)

    public var host = ServiceConfiguration.defaultHost
    /// 0: a port the OS picks (`FlywheelServer.status.boundPort()` tells which).
    public var port = ServiceConfiguration.defaultPort
    /// The largest request body taken, compressed and decompressed (413 beyond).
    public var maxBodyBytes = ServiceConfiguration.defaultMaxBodyBytes
    /// Listen beyond loopback without tokens.
    public var insecureListenAny = false
    /// The bearer tokens; none: no authentication (then only loopback, unless `insecureListenAny`).
    public var tokens = AccessTokens()
    /// How long a connection may stay silent while a request is read, or between requests, before it is closed.
    public var clientTimeout = ServiceConfiguration.defaultClientTimeout
    /// The `nice` increment of the live pipeline's threads (`FLYWHEEL_PIPELINE_NICE`, 0 to 19): the HTTP ingest
    /// and its acknowledgements get the cores first, the pipeline takes what they leave.
    public var pipelineNice: Int32 = ServiceConfiguration.defaultPipelineNice
    public static let defaultPipelineNice: Int32 = 5
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
    /// Sources read next to the pipeline's (or, when it declares none, next to the topic `events` the ingest
    /// appends to): `flywheel serve --source`.
    public var additionalSources: [PipelineConfig.SourceSpec] = []
    /// Builds the sources FlywheelConnectors cannot (`kafka`); the `flywheel` binary sets it when built with
    /// librdkafka.
    public var externalSource:
        (@Sendable (PipelineConfig.SourceSpec, _ warn: @escaping @Sendable (String) -> Void) throws -> any Source)?
    /// Whether SIGTERM and SIGINT start a graceful shutdown and SIGHUP reloads the model catalog (the CLI); tests
    /// trigger both on the group and the endpoint.
    public var stopsOnSignals = false
    /// How long a signal stream (`GET /v1/signals/{kind}/stream`) stays silent before a heartbeat comment.
    public var streamHeartbeat: Duration = .seconds(15)
    /// Receives warnings of the live job.
    public var warn: @Sendable (String) -> Void = { _ in }
    /// Receives what the service reports of itself: model catalog reloads, done or refused.
    public var notice: @Sendable (String) -> Void = { _ in }

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
        public var clientTimeout: String?
        public var ingestTokenFile: String?
        public var readTokenFile: String?

        public init(
            host: String? = nil, port: Int? = nil, maxBody: String? = nil, clientTimeout: String? = nil,
            ingestTokenFile: String? = nil, readTokenFile: String? = nil
        ) {
            self.host = host
            self.port = port
            self.maxBody = maxBody
            self.clientTimeout = clientTimeout
            self.ingestTokenFile = ingestTokenFile
            self.readTokenFile = readTokenFile
        }
    }

    /// Sets host, port, body limit, client timeout and tokens from `flags`, else from `environment`, else from the
    /// pipeline's `service:` section, else keeps the defaults, and refuses a host beyond loopback without tokens
    /// unless `insecureListenAny` is set. Each error names the flag, variable or key it is about.
    public mutating func resolveListening(
        flags: ListeningFlags, environment: [String: String]
    ) throws(ServiceError) {
        let section = pipeline.config.service
        if let host = flags.host ?? environment["FLYWHEEL_HOST"] ?? section.host {
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
        } else if let port = section.port {
            self.port = port
        }
        if let text = flags.maxBody ?? environment["FLYWHEEL_MAX_BODY"] {
            let name = Self.source("--max-body", flags.maxBody, "FLYWHEEL_MAX_BODY")
            guard let bytes = parseSize(text), PipelineConfig.maxBodyRange.contains(bytes) else {
                throw ServiceError(
                    .invalidOption, "\(name) must be a size from 1KiB to 1GiB (e.g. 8MiB, 512KiB), got '\(text)'")
            }
            maxBodyBytes = bytes
        } else if let bytes = section.maxBodyBytes {
            maxBodyBytes = bytes
        }
        if let text = flags.clientTimeout ?? environment["FLYWHEEL_CLIENT_TIMEOUT"] {
            let name = Self.source("--client-timeout", flags.clientTimeout, "FLYWHEEL_CLIENT_TIMEOUT")
            guard let millis = parseDuration(text), PipelineConfig.clientTimeoutRange.contains(millis) else {
                throw ServiceError(
                    .invalidOption, "\(name) must be a duration from 100ms to 1d (e.g. 30s, 2m), got '\(text)'")
            }
            clientTimeout = .milliseconds(millis)
        } else if let millis = section.clientTimeoutMs {
            clientTimeout = .milliseconds(millis)
        }
        if let text = environment["FLYWHEEL_PIPELINE_NICE"] {
            guard let nice = Int32(text), (0...19).contains(nice) else {
                throw ServiceError(
                    .invalidOption,
                    "FLYWHEEL_PIPELINE_NICE must be a whole number from 0 to 19 (0: no change), got '\(text)'")
            }
            pipelineNice = nice
        }
        tokens = AccessTokens(
            ingest: try Self.tokens(
                file: flags.ingestTokenFile, flag: "--ingest-token-file", environment: environment,
                variable: "FLYWHEEL_INGEST_TOKENS", section: section, key: "ingest_token_file"),
            read: try Self.tokens(
                file: flags.readTokenFile, flag: "--read-token-file", environment: environment,
                variable: "FLYWHEEL_READ_TOKENS", section: section, key: "read_token_file"))
        try checkHost()
    }

    /// The tokens of one class: from the flag's file, else the variable, else the section's file, else none.
    private static func tokens(
        file: String?, flag: String, environment: [String: String], variable: String,
        section: PipelineConfig.ServiceSettings, key: String
    ) throws(ServiceError) -> [String] {
        if let file { return try AccessTokens.readFile(file, source: flag) }
        if let text = environment[variable] { return try AccessTokens.parseList(text, variable: variable) }
        let sectionFile = key == "ingest_token_file" ? section.ingestTokenFile : section.readTokenFile
        guard let sectionFile else { return [] }
        let location = section.locations[key].map { " (\($0))" } ?? ""
        return try AccessTokens.readFile(sectionFile, source: "service.\(key)\(location)")
    }

    /// Refuses a host that is not loopback unless tokens are configured or `insecureListenAny`.
    public func checkHost() throws(ServiceError) {
        guard !insecureListenAny, !tokens.isEnabled, !Self.isLoopback(host) else { return }
        throw ServiceError(
            .invalidOption,
            "refusing to listen on \(host) without tokens: anyone who reaches it could post and read events, so "
                + "without tokens the service listens on loopback only (127.0.0.1, ::1, localhost); configure "
                + "tokens (FLYWHEEL_INGEST_TOKENS / FLYWHEEL_READ_TOKENS, --ingest-token-file / --read-token-file, "
                + "or service.ingest_token_file / read_token_file in the pipeline file), or pass "
                + "--insecure-listen-any to expose it anyway")
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
