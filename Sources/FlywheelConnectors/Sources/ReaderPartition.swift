import FlywheelRuntime

/// A bounded source partition read by an `InputReader`: a file, or a topic partition up to the
/// high watermark it had when opened.
// @unchecked Sendable: one pump (or the ingest) reads it at a time.
final class ReaderPartition: SourcePartition, @unchecked Sendable {
    private let reader: InputReader

    init(_ reader: InputReader) { self.reader = reader }

    func read(maxLines: Int, _ body: (consuming InputLine) -> Void) throws -> ReadStatus {
        try reader.read(maxLines: maxLines, body) ? .more : .ended
    }

    func close() {}
}
