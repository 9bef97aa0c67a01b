import FlywheelEngine
import FlywheelSignals
import Foundation

/// One request body of `flywheel loadgen`: `batch` event lines, each ending in a new line.
public struct LoadBody: Sendable {
    /// The body's position in the feed (0-based): its place in the send schedule.
    public var index: Int
    public var bytes: [UInt8]
    public var lines: Int
    /// The `event_id` of each line that has one (for the ack log), in line order; empty unless asked for.
    public var eventIDs: [String]
    /// Keys of the body's events, (conversation, event time), for the ingest-to-pair delay; empty unless sampled.
    public var pairKeys: [PairKey]
}

/// What names the event that completed a preference pair: its conversation and its event time.
public struct PairKey: Hashable, Sendable {
    public var conversation: String
    public var millis: Int64
}

/// The events `flywheel loadgen` sends, cut into request bodies before the timed run starts: a file's lines, or
/// events from `flywheel generate`'s generator (realistic conversations, so preference pairs appear).
public enum LoadFeed {
    /// Options of generated events.
    public struct Generated: Sendable {
        public var events: Int
        public var seed: UInt64
        /// Epoch milliseconds of the first conversation's start.
        public var start: Int64
        public var malformedRate = GeneratorOptions().malformedRate
        /// New conversations per minute of event time (about 10 events each).
        public var conversationsPerMinute = GeneratorOptions().conversationsPerMinute

        public init(events: Int, seed: UInt64, start: Int64) {
            self.events = events
            self.seed = seed
            self.start = start
        }
    }

    /// About `options.events` generated events (whole conversations, so a few more), in bodies of `batch`.
    /// `sampleEvery`: every so many bodies get `pairKeys` (0: none).
    public static func generated(
        _ options: Generated, batch: Int, eventIDs: Bool, sampleEvery: Int
    ) -> [LoadBody] {
        var generator = GeneratorOptions()
        generator.seed = options.seed
        generator.start = options.start
        generator.malformedRate = options.malformedRate
        generator.conversationsPerMinute = options.conversationsPerMinute
        // About 10 events a conversation; the generator stops when the last conversation is written.
        generator.conversations = max(1, options.events / 10 + 1)
        var cutter = BodyCutter(batch: batch, eventIDs: eventIDs, sampleEvery: sampleEvery)
        _ = ConversationGenerator(options: generator).generate { chunk in cutter.take(chunk) }
        return cutter.finish()
    }

    /// The lines of the file at `path`, in bodies of `batch`.
    public static func file(
        _ path: String, batch: Int, eventIDs: Bool, sampleEvery: Int
    ) throws(ServiceError) -> [LoadBody] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServiceError(.invalidOption, "--events: cannot read '\(path)' (missing or not a file)")
        }
        var cutter = BodyCutter(batch: batch, eventIDs: eventIDs, sampleEvery: sampleEvery)
        data.withUnsafeBytes { cutter.take($0) }
        return cutter.finish()
    }
}

/// Splits chunks of JSON Lines into bodies of `batch` non-blank lines.
struct BodyCutter {
    let batch: Int
    let eventIDs: Bool
    let sampleEvery: Int
    private(set) var bodies: [LoadBody] = []
    private var current: [UInt8] = []
    private var lines = 0
    private var ids: [String] = []
    private var keys: [PairKey] = []
    private var scanner = JSONLineScanner(keys: ["event_id", "conversation_id", "timestamp"])

    init(batch: Int, eventIDs: Bool, sampleEvery: Int) {
        self.batch = batch
        self.eventIDs = eventIDs
        self.sampleEvery = sampleEvery
    }

    private var sampled: Bool { sampleEvery > 0 && bodies.count % sampleEvery == 0 }

    /// Takes the lines of `chunk`; a line cut at the chunk's end is not completed by the next chunk.
    mutating func take(_ chunk: UnsafeRawBufferPointer) {
        var start = 0
        while start < chunk.count {
            var end = start
            while end < chunk.count && chunk[end] != 0x0A { end += 1 }
            let line = UnsafeRawBufferPointer(rebasing: chunk[start..<end])
            if line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) { add(line) }
            start = end + 1
        }
    }

    private mutating func add(_ line: UnsafeRawBufferPointer) {
        if current.isEmpty { current.reserveCapacity(batch * 400) }
        current.append(contentsOf: line)
        current.append(0x0A)
        lines += 1
        let sampled = self.sampled
        if eventIDs || sampled {
            _ = scanner.scan(line)
            // An empty id, or one with a new line, cannot be a line of the ack log (the service rejects both anyway).
            if eventIDs, case .string(let id)? = scanner.values[0], !id.isEmpty, !id.contains("\n") { ids.append(id) }
            if sampled, case .string(let conversation)? = scanner.values[1],
                case .string(let stamp)? = scanner.values[2], let time = EventTime.parseRFC3339(stamp)
            {
                keys.append(PairKey(conversation: conversation, millis: time.millis))
            }
        }
        if lines == batch { cut() }
    }

    private mutating func cut() {
        bodies.append(LoadBody(index: bodies.count, bytes: current, lines: lines, eventIDs: ids, pairKeys: keys))
        current = []
        lines = 0
        ids = []
        keys = []
    }

    mutating func finish() -> [LoadBody] {
        if lines > 0 { cut() }
        return bodies
    }
}

extension LoadFeed {
    /// The bodies `options` asks for: the file's, or `rate x seconds` generated events whose event times start
    /// a minute from now. About 20 requests a second are sampled for the ingest-to-pair delay when it is measured.
    public static func bodies(
        for options: LoadOptions, progress: @Sendable (String) -> Void = { _ in }
    ) throws(ServiceError) -> [LoadBody] {
        let perSecond = max(1, options.rate / options.batch)
        let sampleEvery = options.dataDir == nil ? 0 : max(1, perSecond / 20)
        if let path = options.eventsFile {
            return try file(path, batch: options.batch, eventIDs: options.ackLog != nil, sampleEvery: sampleEvery)
        }
        let events = options.scheduledEvents
        progress("generating \(events) events (seed \(options.seed))")
        // Event time runs at the send rate (about 10 events a conversation; times --event-time-speed), as a live
        // service's would: the
        // requests in flight at once then span a few milliseconds of it, well within the out-of-orderness
        // bound, so reordering between connections makes nothing late. It starts a minute from now (after the
        // bodies are built): a service whose partitions went idle has moved W to the wall clock, and older
        // events would all be late.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var generated = Generated(events: events, seed: options.seed, start: now + 60_000)
        generated.conversationsPerMinute = max(60, Double(options.rate) * options.eventTimeSpeed * 6)
        if let rate = options.malformedRate { generated.malformedRate = rate }
        return Self.generated(
            generated, batch: options.batch, eventIDs: options.ackLog != nil, sampleEvery: sampleEvery)
    }
}
