import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// A pipeline sink that pushes its records to an HTTP service (a `forward` sink of the pipeline file).
///
/// At least once: a checkpoint completes only when every record released before it is delivered or
/// dead-lettered (`snapshot` drains the forwarder). Records released after the last checkpoint are
/// released again after a crash and sent again; their requests carry the same `Idempotency-Key`
/// when they hold the same records (keys are derived from the records' bytes).
// @unchecked Sendable: the sink task calls it, one call at a time; the forwarder is Sendable.
public final class ForwardSink: Sink, @unchecked Sendable {
    public let forwarder: Forwarder
    /// Where `snapshot` writes the forwarder's `ForwardStats` (JSON), if anywhere.
    public let statsPath: String?
    private var position: Int64 = 0

    public init(forwarder: Forwarder, statsPath: String? = nil) {
        self.forwarder = forwarder
        self.statsPath = statsPath
    }

    /// The sink a pipeline's `forward` entry describes, its headers resolved from `environment` and
    /// files, its dead letters in `spec.deadLetters` (default: topic `<name>.dlq` in `dataDir`).
    public static func make(
        _ sink: PipelineConfig.SinkSpec, dataDir: String,
        environment: [String: String] = ProcessInfo.processInfo.environment, clock: JobClock = .continuous
    ) throws -> ForwardSink {
        guard case .forward(let spec) = sink.kind else {
            throw ConnectorError(.invalidOption, "sink \(sink.name) is not a forward sink")
        }
        let headers = try spec.resolvedHeaders(environment: environment) { path in
            let resolved = path.hasPrefix("/") ? path : (dataDir as NSString).appendingPathComponent(path)
            return try String(contentsOfFile: resolved, encoding: .utf8)
        }
        let deadLetters = try spec.deadLetterTarget(sinkName: sink.name).openWriter(dataDir: dataDir)
        let forwarder = Forwarder(
            name: sink.name, spec: spec, headers: headers, keys: .content, deadLetters: deadLetters, clock: clock)
        return ForwardSink(forwarder: forwarder, statsPath: ForwardStats.path(dataDir: dataDir, name: sink.name))
    }

    public func restore(_ state: [UInt8]?) async throws {}

    public func write(_ records: [SignalRecord]) async throws {
        var items: [ForwardItem] = []
        items.reserveCapacity(records.count)
        for record in records {
            items.append(ForwardItem(value: Array(record.line.dropLast()), position: position))
            position += 1
        }
        try await forwarder.submit(items)
    }

    public func flush() async throws {
        await forwarder.flush()
    }

    public func snapshot(checkpoint: Int64, closing: Bool) async throws -> [UInt8] {
        try await forwarder.drain()
        if let statsPath { try forwarder.stats.write(to: statsPath) }
        return [1]
    }

    public func close(_ end: JobEnd) async throws {
        try await forwarder.close()
        if let statsPath { try forwarder.stats.write(to: statsPath) }
    }
}
