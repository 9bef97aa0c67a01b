import FlywheelEngine
import FlywheelSignals

/// A decoded, non-blank input line with its position; invalid lines carry their raw text.
public struct InputLine: Sendable {
    /// The line's number in its file (1-based), or its offset in a topic partition.
    public var position: Int64
    /// Byte offset just past this line (a topic record: its offset + 1): where a resumed job reads next.
    public var endOffset: Int64
    public var decoded: DecodedLine
    /// The input cut at 1 KiB, only for invalid lines ("" for events). Not an optional: with a `String?` here,
    /// the compiler built every line twice and copied one (a retain and release of its event per line).
    public var raw: String
    /// CRC-32 of the file's bytes before `endOffset`, when the reader hashes (checkpointed replays).
    public var prefixHash: UInt32 = 0
    /// Which file the line came from, for sources that move to another file (a followed file's
    /// rotation: its device and inode); 0 otherwise.
    public var file: UInt64 = 0
    /// `IngestState.idHash(of: decoded)`, when the decoder computed it (from the id's bytes, while they are in
    /// this core's cache): the ingest reads it without copying the event out of the line (a retain).
    public var idHash: UInt64?

    public init(position: Int64, endOffset: Int64, decoded: DecodedLine, raw: String = "", idHash: UInt64? = nil) {
        self.position = position
        self.endOffset = endOffset
        self.decoded = decoded
        self.raw = raw
        self.idHash = idHash
    }

    /// Where a job resumes after this line.
    public var resumePosition: InputPosition {
        InputPosition(offset: endOffset, line: position, hash: prefixHash, file: file)
    }

    /// What is left in a batch after a line is moved out of it (holds no memory).
    public static var moved: InputLine {
        InputLine(position: 0, endOffset: 0, decoded: .moved)
    }
}

/// Turns the lines of one source partition into `InputLine`s: blank lines are skipped, and invalid
/// ones keep their raw text (cut at 1 KiB) for their dead letter. Used by every reader of input.
public struct LineDecoder {
    public let partition: Int
    private var events: EventDecoder

    /// `countsPII`: whether events get `textPIICount` (see `EventDecoder.countsPII`); `pool`: storage
    /// of events the shards are done with (see `ChatEventPool`).
    public init(partition: Int, maxEventBytes: Int, countsPII: Bool, pool: ChatEventPool? = nil) {
        self.partition = partition
        events = EventDecoder(maxEventBytes: maxEventBytes, countsPII: countsPII, pool: pool)
    }

    /// A decoder for one partition with a job's decoding options.
    public init(partition: Int, decoding: DecodeOptions) {
        self.init(
            partition: partition, maxEventBytes: decoding.maxEventBytes, countsPII: decoding.countsPII,
            pool: decoding.pool)
    }

    /// A line of a file; nil when it is blank.
    public mutating func decode(_ content: LineContent, position: Int64, endOffset: Int64) -> InputLine? {
        switch content {
        case .oversized(let prefix, _):
            let raw = prefix.withUnsafeBytes { RawText.cut($0) }
            let failure = ValidationFailure(.tooLarge, "line exceeds max_event_bytes")
            return InputLine(position: position, endOffset: endOffset, decoded: .invalid(failure, time: .min), raw: raw)
        case .line(let bytes):
            if EventDecoder.isBlank(bytes) { return nil }
            return decode(bytes, position: position, endOffset: endOffset)
        }
    }

    /// One input record: a line of a file or the value of a topic record.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, position: Int64, endOffset: Int64) -> InputLine {
        let decoded = events.decode(bytes, origin: EventOrigin(partition: partition, position: position))
        var raw = ""
        var idHash = events.eventIdHash
        if case .invalid = decoded {
            raw = RawText.cut(bytes)
            idHash = 0
        }
        return InputLine(position: position, endOffset: endOffset, decoded: decoded, raw: raw, idHash: idHash)
    }
}
