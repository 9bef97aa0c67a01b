import CZlib
import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals

/// Everything a replay needs to resume exactly where a checkpoint was taken: the ingest state and
/// input positions, every operator's keyed state by key group, the records waiting for their turn,
/// and how far each output file had been committed.
public struct CheckpointData: Sendable {
    public static let magic: [UInt8] = Array("FLYWCKPT".utf8)
    public static let formatVersion: UInt64 = 4

    public var id: Int64
    public var createdMillis: Int64
    public var parallelism: Int
    public var sequence: Int64
    public var watermark: EventTime
    public var positions: [InputPosition]
    public var ingest: [UInt8]
    /// Keyed operator state, one entry per key group (`KeyGroups.count`).
    public var groups: [[UInt8]]
    public var pending: [SignalRecord]
    /// Signals and unresolved references written so far.
    public var written: SignalCounters
    /// Committed length of each output file, by `RecordKind`.
    public var fileLengths: [Int64]
    /// Committed high watermark of each partition of the output topic (empty without one).
    public var topicOffsets: [Int64] = []
    /// The size in bytes of each input file when the run that took the checkpoint started (-1 for a
    /// topic partition): a resume refuses an input whose size has changed.
    public var inputSizes: [Int64] = []

    /// The checkpoint file's bytes: magic, format version, payload, and a CRC-32 of all before it.
    public func encoded() -> [UInt8] {
        var writer = StateWriter(capacity: 1 << 20)
        for byte in Self.magic { writer.write(byte) }
        writer.write(Self.formatVersion)
        writer.write(id)
        writer.write(createdMillis)
        writer.write(parallelism)
        writer.write(sequence)
        writer.write(watermark)
        writer.write(positions) { writer, position in
            writer.write(position.offset)
            writer.write(position.line)
            writer.write(Int64(position.hash))
        }
        writer.write(bytes: ingest)
        writer.write(groups) { $0.write(bytes: $1) }
        writer.write(pending) { $0.write($1) }
        writer.write(written)
        writer.write(fileLengths) { $0.write($1) }
        writer.write(topicOffsets) { $0.write($1) }
        writer.write(inputSizes) { $0.write($1) }
        var bytes = writer.bytes
        let checksum = UInt64(Self.crc32(bytes))
        withUnsafeBytes(of: checksum.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Decodes a checkpoint file, verifying magic, version and checksum.
    public init(decoding bytes: [UInt8]) throws(CheckpointError) {
        guard bytes.count > Self.magic.count + 16, Array(bytes.prefix(Self.magic.count)) == Self.magic else {
            throw CheckpointError(.corrupt, "not a Flywheel checkpoint (bad magic or too short)")
        }
        var trailer = StateReader(Array(bytes.suffix(8)))
        let stored = try trailer.readUInt64()
        guard stored == UInt64(Self.crc32(Array(bytes.dropLast(8)))) else {
            throw CheckpointError(.corrupt, "checksum mismatch (truncated or damaged file)")
        }
        var reader = StateReader(Array(bytes.dropLast(8)), offset: Self.magic.count)
        let version = try reader.readUInt64()
        guard version == Self.formatVersion else {
            throw CheckpointError(
                .versionMismatch, "checkpoint format \(version); this build reads \(Self.formatVersion)")
        }
        id = try reader.readInt64()
        createdMillis = try reader.readInt64()
        parallelism = try reader.readInt()
        sequence = try reader.readInt64()
        watermark = try reader.readTime()
        positions = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            InputPosition(
                offset: try reader.readInt64(), line: try reader.readInt64(),
                hash: UInt32(truncatingIfNeeded: try reader.readInt64()))
        }
        ingest = try reader.readBytes()
        groups = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in try reader.readBytes() }
        pending = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            try reader.read(SignalRecord.self)
        }
        written = try reader.read(SignalCounters.self)
        fileLengths = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            try reader.readInt64()
        }
        topicOffsets = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            try reader.readInt64()
        }
        inputSizes = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            try reader.readInt64()
        }
        guard groups.count == KeyGroups.count, fileLengths.count == RecordKind.allCases.count else {
            throw CheckpointError(
                .incompatible, "checkpoint has \(groups.count) key groups, expected \(KeyGroups.count)")
        }
    }

    public init(
        id: Int64, createdMillis: Int64, parallelism: Int, sequence: Int64, watermark: EventTime,
        positions: [InputPosition], ingest: [UInt8], groups: [[UInt8]], pending: [SignalRecord],
        written: SignalCounters, fileLengths: [Int64], topicOffsets: [Int64] = [], inputSizes: [Int64] = []
    ) {
        self.id = id
        self.createdMillis = createdMillis
        self.parallelism = parallelism
        self.sequence = sequence
        self.watermark = watermark
        self.positions = positions
        self.ingest = ingest
        self.groups = groups
        self.pending = pending
        self.written = written
        self.fileLengths = fileLengths
        self.topicOffsets = topicOffsets
        self.inputSizes = inputSizes
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, UInt32(buffer.count)))
        }
    }
}
