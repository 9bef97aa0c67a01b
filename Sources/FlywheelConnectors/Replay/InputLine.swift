import FlywheelEngine
import FlywheelSignals

/// A decoded, non-blank input line with its position; invalid lines carry their raw text.
struct InputLine: Sendable {
    var position: Int64
    /// Byte offset just past this line: where a resumed replay reads next.
    var endOffset: Int64
    var decoded: DecodedLine
    /// The input cut at 1 KiB, only for invalid lines.
    var raw: String?

    /// What is left in a batch after a line is moved out of it (holds no memory).
    static var moved: InputLine {
        InputLine(position: 0, endOffset: 0, decoded: .invalid(ValidationFailure(.malformedJSON, ""), time: .min))
    }
}

/// Turns the lines of one source partition into `InputLine`s: blank lines are skipped, and invalid
/// ones keep their raw text (cut at 1 KiB) for their dead letter. Used by every reader of input.
struct LineDecoder {
    let partition: Int
    private var events: EventDecoder

    /// `countsPII`: whether events get `textPIICount` (see `EventDecoder.countsPII`).
    init(partition: Int, maxEventBytes: Int, countsPII: Bool) {
        self.partition = partition
        events = EventDecoder(maxEventBytes: maxEventBytes, countsPII: countsPII)
    }

    /// A line of a file; nil when it is blank.
    mutating func decode(_ content: LineContent, position: Int64, endOffset: Int64) -> InputLine? {
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
    mutating func decode(_ bytes: UnsafeRawBufferPointer, position: Int64, endOffset: Int64) -> InputLine {
        let decoded = events.decode(bytes, origin: EventOrigin(partition: partition, position: position))
        let raw: String? = if case .invalid = decoded { RawText.cut(bytes) } else { nil }
        return InputLine(position: position, endOffset: endOffset, decoded: decoded, raw: raw)
    }
}

/// Reads one input file and decodes its lines in batches on its own task.
struct InputDecoder: Sendable {
    let path: String
    let partition: Int
    let maxEventBytes: Int
    let batchLines: Int
    /// Whether events get `textPIICount` (see `EventDecoder.countsPII`).
    var countsPII = false
    /// Where to start: byte offset and the number of lines before it (0, 0 for a fresh replay).
    var startOffset: Int64 = 0
    var startLine: Int64 = 0

    /// Sends decoded batches to `channel`, then finishes it. Errors are sent as the last element.
    func run(into channel: BoundedChannel<Result<[InputLine], ConnectorError>>) async {
        defer { channel.finish() }
        do {
            let reader = LineReader(source: try ByteSource(path: path), maxLineBytes: maxEventBytes)
            try reader.resume(at: startOffset, lineNumber: startLine)
            var decoder = LineDecoder(partition: partition, maxEventBytes: maxEventBytes, countsPII: countsPII)
            var more = true
            while more {
                var batch: [InputLine] = []
                batch.reserveCapacity(batchLines)
                more = try reader.read(maxLines: batchLines) { position, endOffset, content in
                    if let line = decoder.decode(content, position: position, endOffset: endOffset) {
                        batch.append(line)
                    }
                }
                if !batch.isEmpty { await channel.send(.success(batch)) }
            }
        } catch {
            await channel.send(.failure(error))
        }
    }
}
