import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import ServiceLifecycle

/// The live pipeline as a service: `RunJob.run` until a graceful shutdown asks it to stop (then it takes its
/// final checkpoint and returns).
final class LivePipeline: Service, Sendable {
    /// The topic the ingest appends to and the default pipeline reads.
    static let eventsTopic = "events"
    /// The partitions of `events` when the service creates it.
    static let eventsPartitions = 4

    private let options: RunOptions
    private let stop: StopSignals
    private let status: ServiceStatus

    init(options: RunOptions, stop: StopSignals, status: ServiceStatus) {
        self.options = options
        self.stop = stop
        self.status = status
    }

    /// The pipeline the service runs: the file's sources and sinks, or, for a file that declares none, the topic
    /// `events` from its earliest offset and the default sinks (a folder sink at `signals` and a topic per kind,
    /// `signals.<kind>`).
    static func config(_ declared: PipelineConfig) -> PipelineConfig {
        var config = declared
        if config.sources.isEmpty {
            config.sources = [
                PipelineConfig.SourceSpec(name: eventsTopic, kind: .topic(name: eventsTopic, start: .earliest))
            ]
        }
        if config.sinks.isEmpty {
            config.sinks = [
                RunJob.defaultSink,
                PipelineConfig.SinkSpec(name: "signal_topics", kind: .topic(.perKind(prefix: "signals."))),
            ]
        }
        return config
    }

    func run() async throws {
        do {
            let result = try await withGracefulShutdownHandler {
                try await RunJob.run(options)
            } onGracefulShutdown: { [stop] in
                stop.stop()
            }
            status.jobEnded(result)
        } catch {
            status.jobEnded(nil)
            throw error
        }
    }
}

/// Turns the start of a graceful shutdown into readiness false and ingest 503. It is the last service of the
/// group, so it is told first, before the HTTP server stops taking connections.
struct ShutdownGate: Service {
    let status: ServiceStatus
    let afterDrainBegins: (@Sendable () async -> Void)?

    func run() async throws {
        try? await gracefulShutdown()
        status.beginDraining()
        await afterDrainBegins?()
    }
}
