import FlywheelEngine

/// Where a replay resumes reading one input: the byte offset after the last line it consumed, that
/// line's number, and (for a file) the CRC-32 of the bytes before the offset, which a resume checks
/// so that it never continues into another file.
public struct InputPosition: Sendable, Equatable {
    public var offset: Int64
    public var line: Int64
    public var hash: UInt32
    /// The file read (`InputLine.file`): a followed file's device and inode; 0 for other sources.
    public var file: UInt64

    public init(offset: Int64 = 0, line: Int64 = 0, hash: UInt32 = 0, file: UInt64 = 0) {
        self.offset = offset
        self.line = line
        self.hash = hash
        self.file = file
    }
}

extension InputPosition: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(offset)
        writer.write(line)
        writer.write(Int64(hash))
        writer.write(Int64(bitPattern: file))
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        self.init(
            offset: try reader.readInt64(), line: try reader.readInt64(),
            hash: UInt32(truncatingIfNeeded: try reader.readInt64()), file: UInt64(bitPattern: try reader.readInt64()))
    }
}
