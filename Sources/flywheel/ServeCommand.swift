import ArgumentParser
import FlywheelConnectors
import FlywheelForward
import FlywheelService
import FlywheelSignals
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the live pipeline as a service: durable HTTP ingest (POST /v1/events), /healthz, /readyz.",
        discussion: """
            Events posted to /v1/events (JSON Lines or a JSON array, optionally gzip) are appended to the topic \
            events of --data DIR (created with 4 partitions) and synced before the answer. The pipeline's \
            sources and sinks run live; a pipeline without sources: reads the topic events, and one without \
            sinks: writes DIR/signals and one topic per kind, signals.<kind>. Checkpoints go to DIR/checkpoints.

            Reading (what the last checkpoint committed to the signal topics): GET /v1/signals/KIND (the last \
            records as JSON Lines; since, until, model, variant, limit, before), GET /v1/signals/KIND/stream \
            (Server-Sent Events; Last-Event-ID or from= resumes), GET /v1/compare?a=A&b=B&model=M (inspect's A/B \
            read-out as JSON). flywheel inspect --url and flywheel report --url read a running service. \
            GET /v1/stats (counters, W, lag, last checkpoint) and GET /metrics (Prometheus). OpenTelemetry \
            exporters post to /v1/traces and /v1/logs (OTLP/HTTP, protobuf or JSON, GenAI conventions).

            Settings: flags, then the environment (FLYWHEEL_HOST, FLYWHEEL_PORT, FLYWHEEL_MAX_BODY, \
            FLYWHEEL_CLIENT_TIMEOUT, FLYWHEEL_INGEST_TOKENS, FLYWHEEL_READ_TOKENS), then the pipeline file's \
            service: section (host, port, max_body, client_timeout, ingest_token_file, read_token_file), then \
            the defaults.

            Tokens: with any configured, every endpoint but /healthz and /readyz needs Authorization: Bearer \
            TOKEN (401 without a valid one). Ingest tokens post (POST /v1/events, POST /v1/admin/...), read \
            tokens read (GET); a token of the other class gets 403. FLYWHEEL_*_TOKENS are comma-separated; token \
            files hold one per line (blank lines and # comments ignored). Without tokens the service listens on \
            loopback only unless --insecure-listen-any.

            SIGHUP, or POST /v1/admin/reload, reloads the model catalog (enrich.model_catalog) without a \
            restart; a bad catalog is refused with the reason and the old one stays in force.

            SIGTERM or SIGINT: readiness goes false, new ingest gets 503, requests in flight finish, the job takes \
            its final checkpoint, exit 0.

            Examples:
              flywheel serve --pipeline Pipelines/serve.yaml --data data/
              curl -s -H 'Content-Type: application/x-ndjson' --data-binary @events.jsonl \\
                http://127.0.0.1:8080/v1/events
              FLYWHEEL_INGEST_TOKENS=$(openssl rand -hex 32) \\
                flywheel serve --pipeline Pipelines/serve.yaml --data data/ --host 0.0.0.0
              curl -s 'http://127.0.0.1:8080/v1/signals/preference_pair?limit=20'
              curl -sN http://127.0.0.1:8080/v1/signals/quality_alert/stream
            """)

    @Option(help: "Pipeline file (YAML); without sources: it reads the topic events.")
    var pipeline: String

    @Option(help: "The job's folder: the events topic, signal topics and folder, checkpoints.")
    var data: String

    @Option(help: "Address to listen on (env FLYWHEEL_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on, 0 for any free port (env FLYWHEEL_PORT; default 8080).")
    var port: Int?

    @Option(help: "Largest request body, compressed or not, e.g. 8MiB (env FLYWHEEL_MAX_BODY; default 8MiB).")
    var maxBody: String?

    @Option(help: "How long a connection may stay silent before it is closed, e.g. 30s (env FLYWHEEL_CLIENT_TIMEOUT).")
    var clientTimeout: String?

    @Option(help: "File of ingest tokens, one per line (else env FLYWHEEL_INGEST_TOKENS, comma-separated).")
    var ingestTokenFile: String?

    @Option(help: "File of read tokens, one per line (else env FLYWHEEL_READ_TOKENS, comma-separated).")
    var readTokenFile: String?

    @Flag(help: "Listen beyond loopback without tokens: anyone who reaches the port can post and read.")
    var insecureListenAny = false

    @OptionGroup var shards: ShardOptions

    @OptionGroup(title: "A source read next to the ingest topic") var sourceFlags: SourceFlags

    func run() async throws {
        let loaded = try CLIErrors.pipeline { () throws(PipelineError) in try LoadedPipeline.load(path: pipeline) }
        var configuration = ServiceConfiguration(pipeline: loaded, dataDir: data, parallelism: shards.parallelism)
        configuration.insecureListenAny = insecureListenAny
        if let source = try sourceFlags.spec(name: "source") { configuration.additionalSources = [source] }
        configuration.batchLines = shards.batchSize
        configuration.stopsOnSignals = true
        configuration.externalSink = { [name = loaded.config.name] spec, dataDir in
            try RunCommand.externalSink(spec, dataDir: dataDir, pipeline: name)
        }
        #if canImport(FlywheelKafka)
            configuration.externalSource = { spec, warn in try KafkaSource.make(spec, warn: warn) }
        #endif
        configuration.warn = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        configuration.notice = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        let server: FlywheelServer
        do {
            try configuration.resolveListening(
                flags: .init(
                    host: host, port: port, maxBody: maxBody, clientTimeout: clientTimeout,
                    ingestTokenFile: ingestTokenFile, readTokenFile: readTokenFile),
                environment: ProcessInfo.processInfo.environment)
            server = try buildApplication(configuration)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(error.code == .invalidOption ? 64 : 1)
        }
        let status = server.status
        let tokens = configuration.tokens
        let auth =
            tokens.isEnabled
            ? "tokens: \(tokens.ingest.count) ingest, \(tokens.read.count) read" : "no tokens: no authentication"
        Task {
            guard let port = await status.boundPort() else { return }
            FileHandle.standardError.write(
                Data(
                    ("serving on http://\(configuration.host):\(port) (data \(data); \(auth)); SIGINT or SIGTERM "
                        + "stops, SIGHUP reloads the model catalog\n").utf8))
        }
        try await CLIErrors.connector { try await server.serviceGroup().run() }
        let how = status.jobResult?.stoppedAtCheckpoint.map { "final checkpoint \($0)" } ?? "no final checkpoint"
        FileHandle.standardError.write(Data("stopped: \(how); the next start resumes from it\n".utf8))
    }
}
