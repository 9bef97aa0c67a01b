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

/// Reads one input and decodes its lines in batches on its own task.
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
            var decoder = EventDecoder(maxEventBytes: maxEventBytes, countsPII: countsPII)
            var more = true
            while more {
                var batch: [InputLine] = []
                batch.reserveCapacity(batchLines)
                more = try reader.read(maxLines: batchLines) { position, endOffset, content in
                    if let line = decode(content, position: position, endOffset: endOffset, decoder: &decoder) {
                        batch.append(line)
                    }
                }
                if !batch.isEmpty { await channel.send(.success(batch)) }
            }
        } catch {
            await channel.send(.failure(error))
        }
    }

    /// The decoded line, or nil for a blank one.
    func decode(
        _ content: LineContent, position: Int64, endOffset: Int64, decoder: inout EventDecoder
    ) -> InputLine? {
        switch content {
        case .oversized(let prefix, _):
            let raw = prefix.withUnsafeBytes { RawText.cut($0) }
            let failure = ValidationFailure(.tooLarge, "line exceeds max_event_bytes")
            return InputLine(position: position, endOffset: endOffset, decoded: .invalid(failure, time: .min), raw: raw)
        case .line(let bytes):
            if InputDecoder.isBlank(bytes) { return nil }
            let decoded = decoder.decode(bytes, origin: EventOrigin(partition: partition, position: position))
            if case .invalid = decoded {
                return InputLine(position: position, endOffset: endOffset, decoded: decoded, raw: RawText.cut(bytes))
            }
            return InputLine(position: position, endOffset: endOffset, decoded: decoded, raw: nil)
        }
    }

    /// Nothing but spaces, tabs and "\r".
    static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte != 0x20 && byte != 0x09 && byte != 0x0D { return false }
        return true
    }
}
