import FlywheelSignals
import Foundation

/// One line of a dead-letter queue: the letter it holds, or why it holds none.
public struct DeadLetterEntry: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case letter(DeadLetter)
        /// The line is not a dead letter; the reason says why (`not a JSON line`, `"error" must be a string`).
        case bad(String)
    }

    public var position: DeadLetterPosition
    public var content: Content
    /// The record's key in a topic queue (what the forwarder gave `TopicDeadLetters`); nil without one and in
    /// a folder.
    public var key: [UInt8]?

    public init(position: DeadLetterPosition, content: Content, key: [UInt8]? = nil) {
        self.position = position
        self.content = content
        self.key = key
    }

    /// The letter, nil for a bad line.
    public var letter: DeadLetter? {
        if case .letter(let letter) = content { letter } else { nil }
    }
}

/// The part of a reader that knows the storage: a topic or a folder.
protocol DeadLetterSource: AnyObject {
    /// Up to `max` entries from the current position on; empty at the end (as it was when the queue was opened).
    func next(max: Int) throws(ConnectorError) -> [DeadLetterEntry]
    /// Moves the next read to `position`, which must be in the queue or just past the end of a partition/file.
    func seek(to position: DeadLetterPosition) throws(ConnectorError)
    /// Where the next read starts; nil once everything was read.
    var position: DeadLetterPosition? { get }
    /// Just past the queue as it was at open: where letters appended since begin.
    var end: DeadLetterPosition? { get }
    /// The queue, for messages: `dead-letter topic 'x.dlq' in DIR`, `dead-letter folder DIR`.
    var name: String { get }
}

/// Reads a dead-letter queue back, in order, for `flywheel forward redrive`.
///
/// Sees the queue as it was at `open`: letters appended later (by a forwarder still running, or by the redrive
/// itself when its retries fail again) are left for the next reader, so a redrive that dead-letters into the
/// queue it reads never loops. Every line comes out: one that is not a dead letter is an entry with its
/// position and the reason (`DeadLetterEntry.Content.bad`), never skipped. A topic is read through a read-only
/// view (it never blocks or repairs a writer); a damaged record stops the reader with a `.corrupt` error that
/// names it. Not thread-safe: one task reads.
public final class DeadLetterReader {
    /// The queue read.
    public let target: ForwardSpec.DeadLetters
    private let source: any DeadLetterSource

    private init(target: ForwardSpec.DeadLetters, source: any DeadLetterSource) {
        self.target = target
        self.source = source
    }

    /// Opens `target`: a topic of the data folder `dataDir`, or a folder (relative to `dataDir` unless
    /// absolute). A missing topic or folder is an error that names it.
    public static func open(_ target: ForwardSpec.DeadLetters, dataDir: String) throws(ConnectorError)
        -> DeadLetterReader
    {
        switch target {
        case .topic(let name):
            return DeadLetterReader(target: target, source: try TopicLetterSource(dataDir: dataDir, topic: name))
        case .folder:
            let folder = target.folderPath(dataDir: dataDir)
            return DeadLetterReader(target: target, source: try FolderLetterSource(folder: folder))
        }
    }

    /// Up to `max` entries (letters and bad lines) from the current position on; empty once all were read.
    public func next(max: Int = 500) throws(ConnectorError) -> [DeadLetterEntry] {
        try source.next(max: Swift.max(1, max))
    }

    /// Makes the next read start at `position` (as `--from` asks): an offset of a partition from its oldest
    /// kept record to its end, or a line of a file from 1 to one past its last.
    public func seek(to position: DeadLetterPosition) throws(ConnectorError) {
        try source.seek(to: position)
    }

    /// Where the next read starts (what `--from` takes to resume here); nil once everything was read.
    public var position: DeadLetterPosition? { source.position }

    /// Just past the queue as it was at open, where letters appended since begin (those a redrive dead-letters
    /// again): the end of a one-partition topic, or line 1 of the file after the last. Nil for a topic of
    /// several partitions.
    public var end: DeadLetterPosition? { source.end }

    /// The queue, for messages: `dead-letter topic 'x.dlq' in DIR`, `dead-letter folder DIR`.
    public var name: String { source.name }

    /// Every entry from the current position to the end.
    public func readAll() throws(ConnectorError) -> [DeadLetterEntry] {
        var entries: [DeadLetterEntry] = []
        while true {
            let chunk = try next(max: 4096)
            if chunk.isEmpty { return entries }
            entries += chunk
        }
    }

    static func entry(_ line: [UInt8], at position: DeadLetterPosition, key: [UInt8]? = nil) -> DeadLetterEntry {
        do throws(DeadLetter.Problem) {
            return DeadLetterEntry(position: position, content: .letter(try DeadLetter(jsonLine: line)), key: key)
        } catch {
            return DeadLetterEntry(position: position, content: .bad(error.reason), key: key)
        }
    }
}
