import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import Foundation
import Synchronization

/// What `flywheel forward` runs: a topic of the embedded log, pushed to an HTTP service.
public struct ForwardJobOptions: Sendable {
    /// Where to start a first run (later runs resume from the committed positions).
    public enum Start: String, Sendable { case earliest, latest }

    public var dataDir: String
    public var topic: String
    /// The forwarder's name: its positions are `DIR/forward/NAME.json` (default: the topic's name).
    public var name: String
    public var spec: ForwardSpec
    /// Resolved headers.
    public var headers: [(name: String, value: String)] = []
    public var lingerMs: Int64 = 100
    public var start: Start = .earliest
    public var checkpointIntervalMs: Int64 = 5_000
    /// Stop once every record of the topic (as it was when caught up) is settled.
    public var exitAtEnd = false
    public var clock: JobClock = .continuous
    public var stop: StopSignals?
    /// Every second, and at the end.
    public var progress: (@Sendable (ForwardProgress) -> Void)?
    public var warn: @Sendable (String) -> Void = { _ in }

    public init(dataDir: String, topic: String, spec: ForwardSpec) {
        self.dataDir = dataDir
        self.topic = topic
        name = topic
        self.spec = spec
    }

    /// `DIR/forward/NAME.json`.
    public var positionsPath: String {
        ((dataDir as NSString).appendingPathComponent("forward") as NSString).appendingPathComponent(name + ".json")
    }

    /// The default dead-letter queue: topic `TOPIC.dlq`.
    public var deadLetterTarget: ForwardSpec.DeadLetters { spec.deadLetters ?? .defaultQueue(forTopic: topic) }
}

/// Progress of a forward job.
public struct ForwardProgress: Sendable {
    /// Records read from the topic so far (this run).
    public var read: Int
    /// Records behind the topic's end (not yet read).
    public var lag: Int64
    public var stats: ForwardStats
    /// The committed positions, per partition.
    public var committed: [Int64]
}

/// The positions a forwarder has settled, kept in `DIR/forward/NAME.json`.
struct ForwardPositions: Codable, Equatable {
    var topic: String
    var url: String
    /// Per partition, the first offset not settled.
    var offsets: [Int64]
}

/// Runs a forwarder over a topic: reads every partition from its committed position, hands records to a
/// `Forwarder`, and commits (every `checkpointIntervalMs`, and at the end) each partition's first
/// unsettled offset, after the dead letters are durable. Out-of-order completions never move a
/// position past a record that is not settled, so a crash delivers nothing less than at least once.
public enum ForwardJob {
    /// Forwards topic `options.topic` of the embedded log in `options.dataDir`.
    public static func run(_ options: ForwardJobOptions) async throws -> ForwardProgress {
        let input = try EmbeddedTopicInput(dataDir: options.dataDir, topic: options.topic)
        defer { input.close() }
        return try await run(options, input: input)
    }

    /// Forwards the partitions of `input`.
    public static func run(_ options: ForwardJobOptions, input: any ForwardInput) async throws -> ForwardProgress {
        let partitionCount = input.partitionCount
        var next = try startOffsets(options, input: input)
        try input.begin(at: next)
        let tracker = Mutex(OffsetTracker())
        tracker.withLock { tracker in
            for (index, offset) in next.enumerated() { tracker.start(partition: Int32(index), at: offset) }
        }
        let deadLetters = try options.deadLetterTarget.openWriter(dataDir: options.dataDir)
        defer { deadLetters.close() }
        let forwarder = Forwarder(
            name: options.name, spec: options.spec, headers: options.headers,
            keys: .position(topic: input.topic), deadLetters: deadLetters, clock: options.clock
        ) { items, _ in
            tracker.withLock { tracker in
                for item in items { tracker.settled(partition: item.partition, offset: item.position) }
            }
        }
        var ends = try (0..<partitionCount).map { try input.end($0) }
        var read = 0
        var lastCheckpoint = options.clock.elapsed()
        var lastProgress = options.clock.elapsed()
        let checkpointInterval = Duration.milliseconds(options.checkpointIntervalMs)

        func progress() -> ForwardProgress {
            let committed = (0..<partitionCount).map { index in
                tracker.withLock { $0.committed(Int32(index)) } ?? next[index]
            }
            let lag = zip(ends, next).reduce(Int64(0)) { $0 + max(0, $1.0 - $1.1) }
            return ForwardProgress(read: read, lag: lag, stats: forwarder.stats, committed: committed)
        }

        func checkpoint() throws(ConnectorError) {
            let committed = (0..<partitionCount).map { index in
                tracker.withLock { $0.committed(Int32(index)) } ?? next[index]
            }
            try deadLetters.sync()
            try writePositions(
                ForwardPositions(topic: input.topic, url: options.spec.url, offsets: committed), options)
            input.committed(committed)
        }

        do {
            while options.stop?.stopSignal == nil {
                var readAny = false
                for index in 0..<partitionCount {
                    if next[index] >= ends[index] {
                        ends[index] = try input.end(index)
                        if next[index] >= ends[index] { continue }
                    }
                    var items: [ForwardItem] = []
                    let after = try input.read(index, from: next[index], max: options.spec.batch) { items.append($0) }
                    ends[index] = max(ends[index], after)
                    guard !items.isEmpty else { continue }
                    tracker.withLock { tracker in
                        for item in items { tracker.took(partition: item.partition, offset: item.position) }
                    }
                    next[index] = after
                    read += items.count
                    readAny = true
                    try await forwarder.submit(items)
                }
                if let age = forwarder.oldestOpenAgeMs(), age >= options.lingerMs { await forwarder.flush() }
                let now = options.clock.elapsed()
                if now - lastCheckpoint >= checkpointInterval {
                    try checkpoint()
                    lastCheckpoint = now
                }
                if now - lastProgress >= .seconds(1) {
                    options.progress?(progress())
                    lastProgress = now
                }
                if !readAny {
                    if options.exitAtEnd && zip(next, ends).allSatisfy({ $0 >= $1 }) {
                        try await forwarder.drain()
                        break
                    }
                    try? await options.clock.sleep(for: .milliseconds(min(20, max(1, options.lingerMs))))
                }
            }
            if options.stop?.stopSignal != nil {
                // A stop: give what is in flight a request's timeout to settle, not longer (the receiver
                // may be down); what is left is not committed and goes again after a restart.
                let grace = Duration.milliseconds(options.spec.timeoutMs + 1_000)
                if try await forwarder.drain(within: grace) {
                    try await forwarder.close()
                } else {
                    let left = forwarder.stats.pending
                    try checkpoint()
                    await forwarder.abandon()
                    options.warn("stopped with \(left) records not settled: they are sent again on the next start")
                }
            } else {
                try await forwarder.close()
            }
            try checkpoint()
        } catch {
            // What is settled stays settled: commit it, so a restart repeats as little as it can.
            try? checkpoint()
            try? await forwarder.close()
            throw error
        }
        let final = progress()
        options.progress?(final)
        return final
    }

    private static func startOffsets(_ options: ForwardJobOptions, input: any ForwardInput) throws -> [Int64] {
        guard FileManager.default.fileExists(atPath: options.positionsPath) else {
            return try (0..<input.partitionCount).map { try input.startOffset($0, options.start) }
        }
        let positions: ForwardPositions
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: options.positionsPath))
            positions = try JSONDecoder().decode(ForwardPositions.self, from: data)
        } catch {
            throw ConnectorError(
                .checkpointMismatch,
                "cannot read the forwarder's positions \(options.positionsPath): \(error); delete the file to "
                    + "start over (records may be delivered again)")
        }
        guard positions.topic == input.topic, positions.offsets.count == input.partitionCount else {
            throw ConnectorError(
                .checkpointMismatch,
                "\(options.positionsPath) holds the positions of topic \(positions.topic) "
                    + "(\(positions.offsets.count) partitions), not of \(input.topic) (\(input.partitionCount)): give "
                    + "this forwarder another --name")
        }
        for (index, offset) in positions.offsets.enumerated() {
            let end = try input.end(index)
            guard offset <= end else {
                throw ConnectorError(
                    .checkpointMismatch,
                    "partition \(index) of \(input.topic) ends at \(end) but the forwarder committed \(offset): the "
                        + "topic was replaced; give this forwarder another --name")
            }
        }
        return positions.offsets
    }

    private static func writePositions(_ positions: ForwardPositions, _ options: ForwardJobOptions)
        throws(ConnectorError)
    {
        let folder = (options.positionsPath as NSString).deletingLastPathComponent
        try AtomicFile.createFolder(folder, what: "forward positions folder")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try AtomicFile.write(Array(try encoder.encode(positions)) + [UInt8(ascii: "\n")], to: options.positionsPath)
        } catch let error as ConnectorError {
            throw error
        } catch {
            throw ConnectorError(.writeFailed, "cannot write \(options.positionsPath): \(error)")
        }
    }
}
