import CZlib
import FlywheelEngine
import FlywheelSignals

/// A piece of state a checkpoint keeps under a stable id: a source's or a sink's bytes, opaque to
/// the job. Adding a source or sink kind never changes the checkpoint format.
public struct StateSection: Sendable, Equatable {
    public var id: String
    public var bytes: [UInt8]

    public init(id: String, bytes: [UInt8]) {
        self.id = id
        self.bytes = bytes
    }
}

/// Everything a job needs to resume exactly where a checkpoint was taken: the ingest driver's
/// state, each source's and sink's state by id, each operator's keyed state by operator id and key
/// group, the records waiting for their turn, and the counters of what was released.
public struct CheckpointData: Sendable {
    public static let magic: [UInt8] = Array("FLYWCKPT".utf8)
    /// 6: the de-dup keeps fingerprints of event ids (its own section says so); 5, with the ids as text, is
    /// still read. An older build refuses a format it does not know with the version in its message.
    public static let formatVersion: UInt64 = 6
    public static let readableVersions: ClosedRange<UInt64> = 5...6

    public var id: Int64
    public var createdMillis: Int64
    public var parallelism: Int
    public var watermark: EventTime
    public var ingest: IngestResume
    public var sources: [StateSection]
    /// Keyed operator state: per operator id, one entry per key group (`KeyGroups.count`).
    public var operators: [OperatorState]
    public var pending: [SignalRecord]
    /// Signals and unresolved references released so far.
    public var written: SignalCounters
    public var sinks: [StateSection]

    public init(
        id: Int64, createdMillis: Int64, parallelism: Int, watermark: EventTime, ingest: IngestResume,
        sources: [StateSection], operators: [OperatorState], pending: [SignalRecord], written: SignalCounters,
        sinks: [StateSection]
    ) {
        self.id = id
        self.createdMillis = createdMillis
        self.parallelism = parallelism
        self.watermark = watermark
        self.ingest = ingest
        self.sources = sources
        self.operators = operators
        self.pending = pending
        self.written = written
        self.sinks = sinks
    }

    /// The state kept under `id` among `sections`.
    public static func section(_ id: String, in sections: [StateSection]) -> [UInt8]? {
        sections.first { $0.id == id }?.bytes
    }

    /// The checkpoint file's bytes: magic, format version, payload, and a CRC-32 of all before it.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        encode { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Hands the bytes of `encoded()` to `emit` in pieces, in order, without gathering them: the state's
    /// byte arrays (hundreds of MB for a live service) go out as they are, the fields between them in small
    /// buffers. A checkpoint is then written without a second copy of the whole state in memory.
    public func encode(_ emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var out = Pieces()
        var writer = StateWriter(capacity: 4096)
        for byte in Self.magic { writer.write(byte) }
        writer.write(Self.formatVersion)
        writer.write(id)
        writer.write(createdMillis)
        writer.write(parallelism)
        writer.write(watermark)
        writer.write(ingest.sequence)
        writer.write(ingest.positions) { $0.write($1) }
        try out.bytes(ingest.state, after: &writer, emit)
        try out.sections(sources, after: &writer, emit)
        writer.write(operators.count)
        for state in operators {
            writer.write(state.id.raw)
            writer.write(state.groups.count)
            for group in state.groups { try out.bytes(group, after: &writer, emit) }
        }
        writer.write(pending) { $0.write($1) }
        writer.write(written)
        try out.sections(sinks, after: &writer, emit)
        try out.flush(&writer, emit)
        try withUnsafeBytes(of: UInt64(out.checksum).littleEndian) { try emit($0) }
    }

    /// The running CRC-32 of the pieces emitted, and how fields and large byte arrays become pieces.
    private struct Pieces {
        var checksum: UInt32 = 0

        /// `StateWriter.write(bytes:)` in pieces: the count into `writer`, then, for a large array, `writer`'s
        /// bytes and the array as it is.
        mutating func bytes(
            _ raw: [UInt8], after writer: inout StateWriter, _ emit: (UnsafeRawBufferPointer) throws -> Void
        ) rethrows {
            guard raw.count >= 4096 else { return writer.write(bytes: raw) }
            writer.write(raw.count)
            try flush(&writer, emit)
            try raw.withUnsafeBytes { try piece($0, emit) }
        }

        mutating func sections(
            _ sections: [StateSection], after writer: inout StateWriter,
            _ emit: (UnsafeRawBufferPointer) throws -> Void
        ) rethrows {
            writer.write(sections.count)
            for section in sections {
                writer.write(section.id)
                try bytes(section.bytes, after: &writer, emit)
            }
        }

        mutating func flush(_ writer: inout StateWriter, _ emit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
            try writer.bytes.withUnsafeBytes { try piece($0, emit) }
            writer = StateWriter(capacity: 4096)
        }

        private mutating func piece(
            _ buffer: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) throws -> Void
        ) rethrows {
            guard !buffer.isEmpty else { return }
            checksum = CheckpointData.crc32(continuing: checksum, buffer)
            try emit(buffer)
        }
    }

    private static func readSection(_ reader: inout StateReader) throws(CheckpointError) -> StateSection {
        StateSection(id: try reader.readString(), bytes: try reader.readBytes())
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
        guard Self.readableVersions.contains(version) else {
            throw CheckpointError(
                .versionMismatch,
                "checkpoint format \(version); this build reads formats \(Self.readableVersions.lowerBound) to "
                    + "\(Self.readableVersions.upperBound)")
        }
        id = try reader.readInt64()
        createdMillis = try reader.readInt64()
        parallelism = try reader.readInt()
        watermark = try reader.readTime()
        let sequence = try reader.readInt64()
        let positions = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            try reader.read(InputPosition.self)
        }
        ingest = IngestResume(sequence: sequence, positions: positions, state: try reader.readBytes())
        sources = try reader.readArray(Self.readSection)
        operators = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            OperatorState(
                id: OperatorID(try reader.readString()),
                groups: try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
                    try reader.readBytes()
                })
        }
        pending = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            try reader.read(SignalRecord.self)
        }
        written = try reader.read(SignalCounters.self)
        sinks = try reader.readArray(Self.readSection)
        for state in operators where state.groups.count != KeyGroups.count {
            throw CheckpointError(
                .incompatible,
                "operator \(state.id.raw) has \(state.groups.count) key groups, expected \(KeyGroups.count)")
        }
    }

    static func crc32(continuing checksum: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(
            CZlib.crc32(
                UInt(checksum), buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(buffer.count)))
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { crc32(continuing: 0, $0) }
    }
}
