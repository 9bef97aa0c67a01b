import FlywheelSignals
import Foundation

/// `inspect --follow`: prints the records appended to a growing signal file, produced to a signal topic, or
/// committed to a live folder sink, one line each, as they come.
///
/// A file is read from where it last stopped; a partial last line waits for its "\n". A file that was replaced
/// (another inode at the path), truncated (shorter than what was read) or rewritten in place (its first bytes
/// differ) is read again from its beginning, with a note. A topic is read through a read-only view from each
/// partition's log start, picking up new records with `refresh()`; records of one poll come in the loader's
/// merged order. A live folder sink is read file by file: each committed file of a wanted kind once, whole, as
/// it appears (see ``LiveFolderCursor``); `.inprogress` files never. Filters apply as for a one-shot read. A
/// line or record that is not a signal record is reported in ``Poll/notes`` (naming the file and line, or the
/// partition and offset) and skipped.
public struct InspectFollower {
    /// What one poll found: lines for standard output, and notes for standard error.
    public struct Poll: Equatable, Sendable {
        public var lines: [String] = []
        public var notes: [String] = []
    }

    /// How records are printed.
    public enum Style: Sendable {
        /// One summary line per record, cut to the terminal width only on a terminal.
        case text
        /// The record itself: one compact JSON object per line (JSON Lines).
        case json
    }

    /// How many of a file's first bytes are kept to notice it being rewritten in place.
    static let headBytes = 4096

    public let options: InspectOptions
    public let terminal: Terminal
    public let style: Style
    /// The file being followed, or the folder of the topic or live folder sink being followed.
    public let path: String
    /// The topic being followed, if SRC names one.
    private let topic: TopicRecords?
    /// The live folder sink being followed, if SRC is one.
    private var live: LiveFolderCursor?
    private var file = FollowedFile()
    var scanner = RecordScanner()

    /// Follows SRC itself (a file, a topic, or every wanted kind of a live folder sink), or in a replay output
    /// folder the file of the first `--kind` (default model_quality). A topic that does not exist is an error; an
    /// empty one is not, nor an empty folder (a live folder sink that has no records yet).
    public init(options: InspectOptions, terminal: Terminal, style: Style = .text) throws(InspectError) {
        self.options = options
        self.terminal = terminal
        self.style = style
        switch try InspectLoader.shape(of: options, following: true) {
        case .liveFolder(let folder):
            path = folder
            topic = nil
            live = LiveFolderCursor(LiveFolder(path: folder))
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

    /// Says what is followed, prints what is there, then polls every `interval` seconds until the process is
    /// stopped. Records go to `output`, notes (what is followed, skipped lines, a replaced file) to `notes`.
    public mutating func run(
        interval: Double = 0.5, output: (String) -> Void, notes: (String) -> Void
    ) throws(InspectError) {
        let what = topic?.label ?? (live != nil ? "live folder sink \(path)" : path)
        notes("following \(what) (Ctrl-C to stop)\n")
        if live != nil && LiveFolder.layout(of: path).kindFolders.isEmpty {
            notes("note: \(path) has no kind folder yet: waiting for flywheel run to commit records there\n")
        }
        for warning in topic?.takeWarnings() ?? [] { notes("warning: \(warning)\n") }
        while true {
            let poll = try poll()
            for note in poll.notes { notes(note + "\n") }
            if !poll.lines.isEmpty { output(poll.lines.joined(separator: "\n") + "\n") }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Reads what was appended since the last call: one formatted line per complete record that passes the
    /// filters, and a note per line that is not a signal record.
    public mutating func poll() throws(InspectError) -> Poll {
        if let topic { return try poll(topic) }
        if var live {
            defer { self.live = live }
            return try poll(&live)
        }
        var result = Poll()
        let (complete, firstLine) = try file.readComplete(path: path, notes: &result.notes)
        var number = firstLine
        for line in complete.split(separator: 0x0A, omittingEmptySubsequences: false) {
            defer { number += 1 }
            let outcome = Array(line).withUnsafeBytes { bytes in
                EventDecoder.isBlank(bytes) ? .skipped : format(bytes)
            }
            switch outcome {
            case .line(let text): result.lines.append(text)
            case .skipped: break
            case .notASignal: result.notes.append("warning: \(path):\(number): \(Self.notASignal), skipped")
            }
        }
        return result
    }

    /// The records produced to `topic` since the last call, formatted; records that are not signals are noted.
    private mutating func poll(_ topic: TopicRecords) throws(InspectError) -> Poll {
        try topic.refresh()
        var result = Poll()
        try topic.readNew { value, position in
            switch format(value) {
            case .line(let text): result.lines.append(text)
            case .skipped: break
            case .notASignal:
                result.notes.append(
                    "warning: \(topic.label), partition \(position.partition), offset \(position.offset): "
                        + "\(Self.notASignal), skipped")
            }
        }
        return result
    }

    static let notASignal =
        "not a signal record (expected a JSON object with a \"signal\" field and the fields its kind needs)"
}

/// The read position in a followed file, and what tells that the file was replaced or rewritten.
struct FollowedFile {
    private var offset: UInt64 = 0
    /// Bytes read past the last complete line.
    private var pending: [UInt8] = []
    /// The 1-based number of the line `pending` starts.
    private var nextLine = 1
    /// (device, inode) of the file read so far.
    private var identity: (UInt64, UInt64)?
    /// The file's first bytes as read (at most ``InspectFollower/headBytes``).
    private var head: [UInt8] = []
    /// Whether the file was found gone (rotated away) and a note said so.
    private var gone = false

    /// The complete lines appended since the last call (joined, without the last "\n") and the number of the
    /// first of them. Starts again from the beginning, with a note, when the file was replaced or truncated.
    mutating func readComplete(path: String, notes: inout [String]) throws(InspectError) -> (ArraySlice<UInt8>, Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            // Gone after it was read (rotated away): wait for the next file at the path.
            guard identity != nil else {
                throw InspectError(.readFailed, "cannot read \(path) (expected a signal .jsonl file)")
            }
            if !gone { notes.append("note: \(path) is gone: waiting for a file at that path") }
            gone = true
            return ([], nextLine)
        }
        gone = false
        defer { try? handle.close() }
        var status = stat()
        let current = fstat(handle.fileDescriptor, &status) == 0 ? (UInt64(status.st_dev), UInt64(status.st_ino)) : nil
        let size = UInt64(max(0, status.st_size))
        if let known = identity, let change = change(known, current, size: size, handle: handle) {
            notes.append("note: \(path) was \(change): reading it again from the beginning")
            self = FollowedFile()
        }
        identity = current
        try? handle.seek(toOffset: offset)
        let bytes = [UInt8]((try? handle.readToEnd()) ?? Data())
        if head.count < InspectFollower.headBytes && UInt64(head.count) == offset {
            head += bytes.prefix(InspectFollower.headBytes - head.count)
        }
        offset += UInt64(bytes.count)
        pending += bytes
        let first = nextLine
        guard let lastNewline = pending.lastIndex(of: 0x0A) else { return ([], first) }
        let complete = pending[..<lastNewline]
        nextLine += complete.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        pending = Array(pending[(lastNewline + 1)...])
        return (complete, first)
    }

    /// How the file at the path differs from the one read so far, or nil when it only grew.
    private func change(
        _ known: (UInt64, UInt64), _ current: (UInt64, UInt64)?, size: UInt64, handle: FileHandle
    ) -> String? {
        if let current, current != known { return "replaced" }
        if size < offset { return "truncated" }
        try? handle.seek(toOffset: 0)
        let start = (try? handle.read(upToCount: head.count)) ?? Data()
        return [UInt8](start) == head ? nil : "rewritten"
    }
}
