import FlywheelEngine
import Foundation

/// Deterministic generator of realistic, messy assistant-interaction event logs (JSON Lines).
///
/// Conversations start as a Poisson process and interleave in time; each follows a script of
/// prompts, responses, feedback, regenerations, copies, side-by-side choices and errors. Lines
/// arrive in event-time order plus bounded disorder, with a few late events, verbatim duplicates
/// and malformed lines. The output depends only on ``GeneratorOptions``; memory stays bounded by
/// the number of simultaneously open conversations, not by the number of events.
public struct ConversationGenerator: Sendable {
    /// The options this generator was created with.
    public let options: GeneratorOptions

    /// Size of the chunks handed to the writer.
    static let chunkSize = 1 << 20

    /// Creates a generator for `options`.
    public init(options: GeneratorOptions) {
        self.options = options
    }

    /// Writes every line (each ending in `"\n"`) to `write` in chunks of about 1 MiB, in arrival order.
    ///
    /// A chunk always ends at a line boundary; the buffer is only valid during the call.
    public func generate(_ write: (UnsafeRawBufferPointer) throws -> Void) rethrows -> GeneratorStats {
        var state = GenerationState(options: options)
        try state.run(write)
        return state.stats
    }

    /// Writes the log to the file at `path` (`"-"` means standard output), creating or truncating it.
    ///
    /// Fails with a ``GeneratorError`` naming the path and the system's reason ("No such file or directory",
    /// "No space left on device").
    public func write(toPath path: String) throws(GeneratorError) -> GeneratorStats {
        let descriptor = path == "-" ? STDOUT_FILENO : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw GeneratorError(path: path, code: errno) }
        defer { if descriptor != STDOUT_FILENO { close(descriptor) } }
        do {
            return try generate { bytes throws(GeneratorError) in
                if let code = Descriptor.writeAll(descriptor, bytes) { throw GeneratorError(path: path, code: code) }
            }
        } catch let error as GeneratorError {
            throw error
        } catch {
            throw GeneratorError(path: path, reason: "\(error)")
        }
    }
}

/// The output file of ``ConversationGenerator/write(toPath:)`` could not be created or written.
public struct GeneratorError: Error, Equatable, CustomStringConvertible {
    /// The path that could not be opened for writing.
    public var path: String
    /// Why, in the system's words.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    init(path: String, code: Int32) {
        self.init(path: path, reason: String(cString: strerror(code)))
    }

    /// A message naming the path and the reason.
    public var description: String { "cannot write '\(path)': \(reason)" }
}

/// The mutable state of one generation run: clocks, id counters, the reorder buffer and output.
struct GenerationState {
    let options: GeneratorOptions
    var stats = GeneratorStats()
    /// Largest number of lines held in the reorder buffer at once.
    var peakPending = 0
    private var transport: SplitMix64
    private var nextStart: Double
    private var nextEventID = 0
    private var nextMessageID = 0
    private var sequence = 0
    private var pending = GeneratorPendingQueue()
    private var duplicates: [(due: Int, event: GeneratedEvent)] = []
    private var buffer: GeneratorLineBuffer
    private let userPool: Int
    private let meanGapMs: Double

    init(options: GeneratorOptions) {
        self.options = options
        transport = SplitMix64(seed: SplitMix64.mix(options.seed ^ 0x7472_616E_7370_6F72))
        nextStart = Double(options.start)
        userPool = max(8, options.conversations / 3)
        meanGapMs = 60_000 / max(options.conversationsPerMinute, 1e-6)
        buffer = GeneratorLineBuffer(capacity: ConversationGenerator.chunkSize + 65_536, seed: options.seed)
    }

    mutating func run(_ write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        for index in 0..<max(0, options.conversations) {
            let start = Int64(nextStart.rounded())
            nextStart += -log(1 - transport.unit()) * meanGapMs
            // Invariant: every later event has timestamp >= start and arrival >= timestamp.
            try release(upTo: start, write)
            schedule(conversation: index, start: start)
        }
        try release(upTo: .max, write)
        while !duplicates.isEmpty { try emitDuplicate(dueBy: .max, write) }
        try flush(write)
    }

    private mutating func schedule(conversation index: Int, start: Int64) {
        var script = ConversationScript(
            index: index, start: start, options: options, userPool: userPool, firstMessage: nextMessageID)
        script.run()
        nextMessageID = script.nextMessage
        stats.conversations += 1
        for var event in script.events {
            event.id = takeEventID()
            enqueue(event)
            if transport.chance(options.malformedRate) { enqueueMalformed(from: event) }
        }
        peakPending = max(peakPending, pending.count)
    }

    private mutating func takeEventID() -> Int {
        defer { nextEventID += 1 }
        return nextEventID
    }

    private mutating func enqueue(_ event: GeneratedEvent) {
        var arrival = event.timestamp + disorder()
        if transport.chance(options.lateRate) {
            arrival = event.timestamp + transport.between(10_000, 120_000)
            stats.late += 1
        }
        push(event, arrival: arrival)
    }

    private mutating func enqueueMalformed(from event: GeneratedEvent) {
        var bad = event
        bad.id = takeEventID()
        let kinds = GeneratedMutation.allCases
        bad.mutation = kinds[1 + transport.below(kinds.count - 1)]
        bad.damage()
        push(bad, arrival: event.timestamp + disorder())
    }

    private mutating func push(_ event: GeneratedEvent, arrival: Int64) {
        sequence += 1
        pending.push(GeneratorPendingLine(arrival: arrival, sequence: sequence, event: event))
    }

    /// A random arrival delay in `0...maxDisorderMs`, skewed towards small values.
    private mutating func disorder() -> Int64 {
        let bound = max(0, options.maxDisorderMs)
        let unit = transport.unit()
        return min(bound, Int64(unit * unit * Double(bound + 1)))
    }

    private mutating func release(upTo limit: Int64, _ write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        while let arrival = pending.minimumArrival, arrival <= limit, let line = pending.pop() {
            buffer.encode(line.event)
            stats.lines += 1
            if line.event.mutation != .none {
                stats.malformed += 1
            } else {
                stats.events += 1
                maybeDuplicate(line.event)
            }
            while let due = duplicates.first?.due, due <= stats.lines { try emitDuplicate(dueBy: stats.lines, write) }
            if buffer.bytes.count >= ConversationGenerator.chunkSize { try flush(write) }
        }
    }

    private mutating func maybeDuplicate(_ event: GeneratedEvent) {
        guard transport.chance(options.duplicateRate) else { return }
        let unit = transport.unit()
        let due = stats.lines + 2 + Int(unit * unit * unit * 398)
        let index = duplicates.firstIndex { $0.due > due } ?? duplicates.count
        duplicates.insert((due: due, event: event), at: index)
    }

    private mutating func emitDuplicate(dueBy limit: Int, _ write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        guard let first = duplicates.first, first.due <= limit else { return }
        duplicates.removeFirst()
        buffer.encode(first.event)
        stats.lines += 1
        stats.duplicates += 1
        if buffer.bytes.count >= ConversationGenerator.chunkSize { try flush(write) }
    }

    private mutating func flush(_ write: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        guard !buffer.bytes.isEmpty else { return }
        try buffer.bytes.withUnsafeBytes { try write($0) }
        buffer.bytes.removeAll(keepingCapacity: true)
    }
}
