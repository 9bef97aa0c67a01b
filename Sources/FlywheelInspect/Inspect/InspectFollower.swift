import FlywheelSignals
import Foundation

/// `inspect --follow`: prints the records appended to a growing signal file, one line each, as they come.
///
/// Reads from where it last stopped; a partial last line waits for its "\n". When the file shrinks
/// (rotated or rewritten) it starts again from the beginning. Filters apply as for a one-shot read.
public struct InspectFollower {
    public let options: InspectOptions
    public let terminal: Terminal
    /// The file being followed.
    public let path: String
    private var offset: UInt64 = 0
    private var pending: [UInt8] = []
    private var scanner = RecordScanner()

    /// Follows SRC itself, or in a replay output folder the file of the first `--kind` (default model_quality).
    public init(options: InspectOptions, terminal: Terminal) throws(InspectError) {
        self.options = options
        self.terminal = terminal
        switch try InspectLoader.shape(of: options.sourcePath) {
        case .file(let file): path = file
        case .folder(let folder):
            let kind = options.kinds.sorted { $0.rawValue < $1.rawValue }.first ?? .modelQuality
            path = (folder as NSString).appendingPathComponent(kind.fileName)
        }
    }

    /// Prints what is there, then polls every `interval` seconds until the process is stopped.
    public mutating func run(interval: Double = 0.5, output: (String) -> Void) throws(InspectError) {
        output(terminal.paint("following \(path) (Ctrl-C to stop)", .dim) + "\n")
        while true {
            let lines = try poll()
            if !lines.isEmpty { output(lines.joined(separator: "\n") + "\n") }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Reads what was appended since the last call and returns one formatted line per complete record.
    public mutating func poll() throws(InspectError) -> [String] {
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
