import FlywheelSignals
import Foundation

/// `inspect --follow`: prints the records appended to a growing signal file, or produced to a signal topic, one
/// line each, as they come.
///
/// A file is read from where it last stopped; a partial last line waits for its "\n". When the file shrinks
/// (rotated or rewritten) it starts again from the beginning. A topic is read through a read-only view from
/// each partition's log start, picking up new records with `refresh()`; records of one poll come in the
/// loader's merged order. Filters apply as for a one-shot read.
public struct InspectFollower {
    public let options: InspectOptions
    public let terminal: Terminal
    /// The file being followed, or the folder of the topic being followed.
    public let path: String
    /// The topic being followed, if SRC names one.
    private let topic: TopicRecords?
    private var offset: UInt64 = 0
    private var pending: [UInt8] = []
    private var scanner = RecordScanner()

    /// Follows SRC itself (a file or a topic), or in a replay output folder the file of the first `--kind`
    /// (default model_quality). A topic that does not exist is an error; an empty one is not.
    public init(options: InspectOptions, terminal: Terminal) throws(InspectError) {
        self.options = options
        self.terminal = terminal
        switch try InspectLoader.shape(of: options) {
        case .file(let file):
            path = file
            topic = nil
        case .folder(let folder):
            let kind = options.kinds.sorted { $0.rawValue < $1.rawValue }.first ?? .modelQuality
            path = (folder as NSString).appendingPathComponent(kind.fileName)
            topic = nil
        case .topic(let name, let dataDirectory):
            let topic = try TopicRecords(name: name, dataDirectory: dataDirectory)
            self.topic = topic
            path = topic.directory
        }
    }

    /// Prints what is there, then polls every `interval` seconds until the process is stopped.
    public mutating func run(interval: Double = 0.5, output: (String) -> Void) throws(InspectError) {
        let name = topic?.label ?? path
        output(terminal.paint("following \(name) (Ctrl-C to stop)", .dim) + "\n")
        for warning in topic?.takeWarnings() ?? [] { output(terminal.paint("warning: \(warning)", .yellow) + "\n") }
        while true {
            let lines = try poll()
            if !lines.isEmpty { output(lines.joined(separator: "\n") + "\n") }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Reads what was appended since the last call and returns one formatted line per complete record.
    public mutating func poll() throws(InspectError) -> [String] {
        if let topic { return try poll(topic) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InspectError(.readFailed, "cannot read \(path) (expected a signal .jsonl file)")
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        if size < offset {
            offset = 0
            pending = []
        }
        try? handle.seek(toOffset: offset)
        let bytes = [UInt8]((try? handle.readToEnd()) ?? Data())
        offset += UInt64(bytes.count)
        pending += bytes
        guard let lastNewline = pending.lastIndex(of: 0x0A) else { return [] }
        let complete = pending[..<lastNewline]
        pending = Array(pending[(lastNewline + 1)...])
        var lines: [String] = []
        for line in complete.split(separator: 0x0A, omittingEmptySubsequences: true) {
            let text = Array(line).withUnsafeBytes { format($0) }
            if let text { lines.append(text) }
        }
        return lines
    }

    /// The records produced to `topic` since the last call, formatted; records that are not signals are skipped.
    private mutating func poll(_ topic: TopicRecords) throws(InspectError) -> [String] {
        try topic.refresh()
        var lines: [String] = []
        try topic.readNew { value, _ in
            if let text = format(value) { lines.append(text) }
        }
        return lines
    }

    /// One line for a record that passes the filters; nil for one that does not or is not a record.
    mutating func format(_ line: UnsafeRawBufferPointer) -> String? {
        guard let kind = scanner.scan(line), options.wants(kind) else { return nil }
        let text: String?
        switch kind {
        case .modelQuality:
            guard let r = scanner.quality(), options.keeps(model: r.model, variant: r.variant),
                options.keeps(windowStart: r.windowStart, windowEnd: r.windowEnd)
            else { return nil }
            let rated = r.feedbackUp + r.feedbackDown
            let up = rated > 0 ? Double(r.feedbackUp) / Double(rated) : nil
            text =
                "\(Format.time(r.windowEnd))  \(r.model)  \(r.variant)  resp \(r.responses)  up \(Format.percent(up))"
                + "  regen \(r.regenerations)  err \(r.errors)  p95 \(Format.ms(r.latency?.p95)) ms"
        case .qualityAlert:
            guard let a = scanner.alert(), options.keeps(model: a.model, variant: a.variant) else { return nil }
            return terminal.paint(
                "ALERT \(Format.time(a.windowEnd))  \(a.model)  \(a.variant)  down \(Format.percent(a.downRate)) of \(a.feedback)",
                .red)
        case .preferencePair:
            guard let p = scanner.pair() else { return nil }
            text = "pair \(p.pairId) [\(p.source)] \(p.chosenModel) > \(p.rejectedModel): \(p.prompt)"
        default:
            let fields: [RecordScanner.Key] = [.conversationId, .outcome, .reason, .eventId, .type, .timestamp]
            text = ([kind.name] + fields.compactMap { scanner.string($0) }).joined(separator: "  ")
        }
        return text.map { DisplayWidth.cut($0, to: terminal.width) }
    }
}
