import FlywheelConnectors
import FlywheelRuntime
import Foundation
import Hummingbird
import ServiceLifecycle

/// The service `flywheel serve` runs, built by `buildApplication`: the HTTP server, the ingest appender and the
/// live pipeline, each a `Service` of one `ServiceGroup`.
///
/// Shutdown order (the reverse of the group's): readiness goes false and new ingest gets 503; open signal streams
/// end; the HTTP server stops taking connections and finishes the requests in flight; the appender commits what
/// waits; the live job takes its final checkpoint.
public struct FlywheelServer: Sendable {
    public let application: Application<RouterResponder<BasicRequestContext>>
    public let status: ServiceStatus
    public let appender: IngestAppender
    let pipeline: LivePipeline
    let reloader: CatalogReloader
    let signalWatcher: SignalWatcher
    let stopsOnSignals: Bool
    let afterDrainBegins: (@Sendable () async -> Void)?

    /// The group of every service, in start order; run it, or trigger its graceful shutdown.
    public func serviceGroup() -> ServiceGroup {
        ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: pipeline), .init(service: appender), .init(service: application),
                    .init(service: signalWatcher),
                ] + (stopsOnSignals ? [.init(service: ReloadOnHangup(reloader: reloader))] : []) + [
                    .init(service: ShutdownGate(status: status, afterDrainBegins: afterDrainBegins))
                ],
                gracefulShutdownSignals: stopsOnSignals ? [.sigterm, .sigint] : [], logger: application.logger))
    }
}

/// Builds the service from `configuration`: checks the listening settings, creates the `events` topic (4
/// partitions) when missing, opens it for the appender, and wires the endpoints. The CLI and the tests call it.
public func buildApplication(
    _ configuration: ServiceConfiguration, hooks: ServiceHooks = ServiceHooks()
) throws(ServiceError) -> FlywheelServer {
    try configuration.checkHost()
    let status = ServiceStatus()
    let metrics = ServiceMetrics()
    let appender = IngestAppender(
        log: try openEvents(dataDir: configuration.dataDir), beforeCommit: hooks.beforeGroupCommit,
        fsyncDuration: metrics.fsyncDuration)
    let stop = StopSignals([])
    var config = LivePipeline.config(configuration.pipeline.config)
    config.sources += configuration.additionalSources
    var options = RunOptions(
        config: config, catalog: configuration.pipeline.catalog, dataDir: configuration.dataDir,
        parallelism: configuration.parallelism)
    options.batchLines = configuration.batchLines
    options.threadNice = configuration.pipelineNice
    options.externalSink = configuration.externalSink
    options.externalSource = configuration.externalSource
    options.writers = [LivePipeline.eventsTopic: appender.log]
    options.warn = configuration.warn
    options.stop = stop
    options.onConsuming = { status.jobConsuming() }
    let observability = Observability(
        config: config, dataDir: configuration.dataDir, countersPath: options.countersPath, metrics: metrics,
        appender: appender, status: status)
    observability.observe(&options)
    // The read API learns each checkpoint's committed signal offsets from the job itself.
    let signalLog = SignalLog(dataDir: configuration.dataDir, sinks: config.sinks)
    let observed = options.onCheckpointCompleted
    options.onCheckpointCompleted = { checkpoint in
        observed?(checkpoint)
        signalLog.completed(checkpoint)
    }
    let reloader = CatalogReloader(
        path: config.modelCatalogPath, catalog: configuration.pipeline.catalog, status: status,
        notice: configuration.notice)
    options.liveCatalog = reloader.live
    let pipeline = LivePipeline(options: options, stop: stop, status: status)
    let events = EventsEndpoint(
        appender: appender, status: status, maxBodyBytes: configuration.maxBodyBytes,
        maxEventBytes: config.time.maxEventBytes, retryAfterSeconds: configuration.retryAfterSeconds,
        observer: observability.ingestObserver)
    let router = Router()
    observability.addMiddleware(to: router)
    // First, so that it covers every route added after it (AccessRule decides by method and path).
    router.add(middleware: BearerAuthMiddleware(tokens: configuration.tokens))
    let health: @Sendable () -> Response = { EventsEndpoint.json(.ok, ["status": "up"]) }
    let readiness: @Sendable () -> Response = {
        status.isReady
            ? EventsEndpoint.json(.ok, ["status": "ready"])
            : EventsEndpoint.json(
                .serviceUnavailable, ["status": status.isDraining ? "shutting down" : "starting"])
    }
    router.get("/healthz") { _, _ in health() }
    router.head("/healthz") { _, _ in DashboardEndpoint.headOnly(health()) }
    router.get("/readyz") { _, _ in readiness() }
    router.head("/readyz") { _, _ in DashboardEndpoint.headOnly(readiness()) }
    router.post("/v1/events") { request, _ in await events.handle(request) }
    observability.addRoutes(to: router)
    let reload = ReloadEndpoint(reloader: reloader, status: status)
    router.post("/v1/admin/reload") { request, _ in await reload.handle(request) }
    let otlp = OTLPEndpoint(
        appender: appender, status: status, maxBodyBytes: configuration.maxBodyBytes,
        maxEventBytes: config.time.maxEventBytes, retryAfterSeconds: configuration.retryAfterSeconds,
        mapper: OTLPMapper(index: GenAISpanIndex()), observer: observability.ingestObserver)
    router.post("/v1/traces") { request, _ in await otlp.handle(request, signal: .traces) }
    router.post("/v1/logs") { request, _ in await otlp.handle(request, signal: .logs) }
    let signalWatcher = SignalWatcher(log: signalLog, tick: min(configuration.streamHeartbeat, .seconds(1)))
    SignalsEndpoint(log: signalLog, watcher: signalWatcher, heartbeat: configuration.streamHeartbeat)
        .addRoutes(to: router)
    DashboardEndpoint.addRoutes(to: router)
    let application = Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .init(configuration.clientTimeout))),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "flywheel"),
        onServerRunning: { channel in status.serverBound(port: channel.localAddress?.port) })
    return FlywheelServer(
        application: application, status: status, appender: appender, pipeline: pipeline, reloader: reloader,
        signalWatcher: signalWatcher,
        stopsOnSignals: configuration.stopsOnSignals, afterDrainBegins: hooks.afterDrainBegins)
}

/// Opens the `events` topic for appending, creating it with 4 partitions when missing. The appender syncs each
/// group commit itself; segment rolls and closing sync too.
func openEvents(dataDir: String) throws(ServiceError) -> TopicLog {
    let log = EmbeddedLog(directory: dataDir)
    do throws(LogError) {
        do throws(LogError) {
            _ = try log.topic(named: LivePipeline.eventsTopic)
        } catch  where error.code == .topicNotFound {
            do throws(LogError) {
                try log.createTopic(Topic(name: LivePipeline.eventsTopic, partitions: LivePipeline.eventsPartitions))
            } catch  where error.code == .topicExists {}
        }
        var access = PartitionLogOptions()
        access.fsync = .interval(.seconds(365 * 86_400))
        return try log.open(LivePipeline.eventsTopic, access: access)
    } catch {
        throw ServiceError(
            .appendFailed, "cannot open the events topic in \(dataDir): \(error.message)", cause: error)
    }
}
