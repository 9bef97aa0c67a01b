import FlywheelSignals

/// Which dead letters a redrive re-sends, and the tally of what it read: the reading side of
/// `flywheel forward redrive` (the forwarder does the sending).
///
/// Letters come out in queue order, from `from` on, those whose status matches one of `statuses` (all when
/// empty), at most `limit`. Bad lines, and letters whose record holds a line break (it cannot be one line of
/// a JSON Lines body), are counted and kept with their positions (the first
/// `maxBadLinesKept`) for the report; they are never re-sent. `resumePosition` is where a later redrive
/// goes on (`--from`) after this one stopped at its limit.
public final class DeadLetterSelection {
    /// A status a letter must have: `503`, a class (`5xx`), or `none` (no response: timeouts, connections).
    public enum StatusMatch: Sendable, Equatable, CustomStringConvertible {
        case exactly(Int)
        case hundreds(Int)
        case none

        /// Reads `503`, `5xx` or `none` given as `flag`.
        public static func parse(_ text: String, flag: String = "--status") throws(ConnectorError) -> Self {
            let lower = text.lowercased()
            if lower == "none" { return .none }
            if lower.count == 3, lower.hasSuffix("xx"), let digit = Int(lower.prefix(1)), (1...9).contains(digit) {
                return .hundreds(digit)
            }
            if let status = Int(lower), (100...999).contains(status) { return .exactly(status) }
            throw ConnectorError(
                .invalidOption,
                "\(flag) '\(text)' is not a status: give an HTTP status (400), a class (5xx) or none (no response)")
        }

        public func matches(_ status: Int?) -> Bool {
            switch (self, status) {
            case (.none, nil): true
            case (.exactly(let wanted), let status?): status == wanted
            case (.hundreds(let digit), let status?): status / 100 == digit
            default: false
            }
        }

        public var description: String {
            switch self {
            case .exactly(let status): String(status)
            case .hundreds(let digit): "\(digit)xx"
            case .none: "none"
            }
        }
    }

    /// A letter chosen for re-sending, with where it is in the queue and its key (topics).
    public struct Chosen: Sendable, Equatable {
        public var position: DeadLetterPosition
        public var letter: DeadLetter
        public var key: [UInt8]?
    }

    public static let maxBadLinesKept = 100

    public let reader: DeadLetterReader
    public let statuses: [StatusMatch]
    public let limit: Int?
    /// Where reading started.
    public let start: DeadLetterPosition?
    /// Letters read (chosen or not).
    public private(set) var lettersRead = 0
    /// Letters chosen so far.
    public private(set) var chosen = 0
    /// Letters passed over because of their status.
    public private(set) var passedOver = 0
    /// Lines that are not dead letters.
    public private(set) var badLines = 0
    /// The first `maxBadLinesKept` bad lines: position and reason.
    public private(set) var badLinesKept: [(position: DeadLetterPosition, reason: String)] = []
    /// Entries read from the queue but not looked at yet (a chunk read past the limit).
    private var pending: ArraySlice<DeadLetterEntry> = []

    /// Starts at `from` (the queue's start when nil); fails when the queue has no such position.
    public init(
        reader: DeadLetterReader, from: DeadLetterPosition? = nil, statuses: [StatusMatch] = [], limit: Int? = nil
    ) throws(ConnectorError) {
        if let limit, limit < 1 {
            throw ConnectorError(.invalidOption, "--limit must be 1 or more, got \(limit)")
        }
        if let from { try reader.seek(to: from) }
        self.reader = reader
        self.statuses = statuses
        self.limit = limit
        start = reader.position
    }

    /// What `flywheel forward redrive QUEUE --data DIR [--from POSITION] [--status S ...] [--limit N]` reads,
    /// from its arguments as given: `queue` is `topic:NAME` or a folder (relative to `dataDir` unless absolute),
    /// `from` a position in that kind of queue. Every bad argument is an error naming its flag.
    public static func open(
        queue: String, dataDir: String, from: String? = nil, statuses: [String] = [], limit: Int? = nil
    ) throws(ConnectorError) -> DeadLetterSelection {
        let target = try ForwardSpec.DeadLetters.parse(argument: queue, flag: "QUEUE")
        let isTopic = if case .topic = target { true } else { false }
        let position = try from.map { (text) throws(ConnectorError) in
            try DeadLetterPosition.parse(text, topic: isTopic)
        }
        let matches = try statuses.map { (text) throws(ConnectorError) in try StatusMatch.parse(text) }
        if let limit, limit < 1 {
            throw ConnectorError(.invalidOption, "--limit must be 1 or more, got \(limit)")
        }
        let reader = try DeadLetterReader.open(target, dataDir: dataDir)
        return try DeadLetterSelection(reader: reader, from: position, statuses: matches, limit: limit)
    }

    /// The next letters to re-send, up to `max`; empty when the queue (or the limit) is exhausted.
    public func next(max: Int) throws(ConnectorError) -> [Chosen] {
        var out: [Chosen] = []
        while out.count < Swift.max(1, max), chosen < (limit ?? .max) {
            if pending.isEmpty {
                pending = try reader.next(max: Swift.max(max, 64))[...]
                if pending.isEmpty { break }
            }
            let entry = pending.removeFirst()
            switch entry.content {
            case .bad(let reason):
                badLines += 1
                if badLinesKept.count < Self.maxBadLinesKept { badLinesKept.append((entry.position, reason)) }
            case .letter(let letter):
                lettersRead += 1
                guard statuses.isEmpty || statuses.contains(where: { $0.matches(letter.status) }) else {
                    passedOver += 1
                    continue
                }
                guard !letter.record.contains(0x0A) && !letter.record.contains(0x0D) else {
                    // A request body is JSON Lines: such a record would arrive as two.
                    badLines += 1
                    if badLinesKept.count < Self.maxBadLinesKept {
                        badLinesKept.append(
                            (entry.position, "the record holds a line break: it cannot be sent as one line"))
                    }
                    continue
                }
                chosen += 1
                out.append(Chosen(position: entry.position, letter: letter, key: entry.key))
            }
        }
        return out
    }

    /// Where a later redrive goes on from (`--from`): after the letters chosen so far, or, once the whole queue
    /// (as it was at open) was read, its end, where the letters this redrive dead-letters again begin.
    public var resumePosition: DeadLetterPosition? { pending.first?.position ?? reader.position ?? reader.end }

    /// Whether every letter of the queue (as it was at open) from `start` on was looked at.
    public var readToTheEnd: Bool { pending.isEmpty && reader.position == nil }

    /// The redrive's report: what the forwarder did with the chosen letters, then `summary`.
    public func report(delivered: Int, deadLetteredAgain: Int) -> String {
        "redrive: \(delivered) delivered, \(deadLetteredAgain) dead-lettered again; " + summary
    }

    /// What was read, for the command's report: `read 120 dead letters of dead-letter topic 'x.dlq' in data
    /// from partition 0 offset 0: 100 chosen, 20 passed over (status not 5xx), 2 bad lines (...)`.
    public var summary: String {
        var text = "read \(lettersRead) dead letter\(lettersRead == 1 ? "" : "s") of \(reader.name)"
        if let start { text += " from \(start)" }
        text += ": \(chosen) chosen"
        if passedOver > 0 {
            let wanted = statuses.map(\.description).joined(separator: ", ")
            text += ", \(passedOver) passed over (status not \(wanted))"
        }
        if badLines > 0 {
            let shown = badLinesKept.prefix(5).map { "\($0.position): \($0.reason)" }.joined(separator: "; ")
            text += ", \(badLines) bad line\(badLines == 1 ? "" : "s") (\(shown)\(badLines > 5 ? "; ..." : ""))"
        }
        if let resume = resumePosition {
            text +=
                readToTheEnd
                ? "; letters added from now on start at --from \(resume.argument)"
                : "; to go on after these: --from \(resume.argument)"
        }
        return text
    }
}
