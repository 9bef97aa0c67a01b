import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals

/// The replay output folder (CONTRACT section 6, `OutputFolder`) as a sink: every kind in its own
/// file, created even when empty, final names and `summary.json` once the replay finished.
///
/// Its checkpoint state is each file's committed length: a resume cuts the files back to it.
// @unchecked Sendable: the sink task calls it, one call at a time.
public final class ReplayFolderSink: Sink, @unchecked Sendable {
    public let path: String
    /// Whether the replay takes checkpoints (then a first run starts from empty files it can cut back).
    let checkpointed: Bool
    private(set) var folder: OutputFolder?

    public init(path: String, checkpointed: Bool) {
        self.path = path
        self.checkpointed = checkpointed
    }

    public func restore(_ state: [UInt8]?) async throws {
        let lengths = try state.map(Self.decode) ?? (checkpointed ? RecordKind.allCases.map { _ in 0 } : nil)
        folder = try OutputFolder(path: path, resumeLengths: lengths)
    }

    public func write(_ records: [SignalRecord]) async throws {
        guard let folder else { return }
        // Borrowed through the buffer: iterating the array would copy each record.
        try records.withUnsafeBufferPointer { records in
            for index in records.indices { try folder.write(records[index]) }
        }
    }

    public func snapshot(checkpoint: Int64, closing: Bool) async throws -> [UInt8] {
        let lengths = try folder?.commit() ?? []
        var writer = StateWriter()
        writer.write(UInt8(1))
        writer.write(lengths) { $0.write($1) }
        return writer.bytes
    }

    public func close(_ end: JobEnd) async throws {
        if case .finished(let summary) = end { try folder?.finish(summary: summary) }
    }

    /// Bytes in the files now (what an interrupted or failed replay leaves).
    public var bytesOnDisk: Int64 { folder?.bytesOnDisk ?? 0 }

    static func decode(_ bytes: [UInt8]) throws -> [Int64] {
        var reader = StateReader(bytes)
        guard try reader.readByte() == 1 else { throw CheckpointError(.versionMismatch, "unknown folder state") }
        let lengths = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            try reader.readInt64()
        }
        guard lengths.count == RecordKind.allCases.count else {
            throw CheckpointError(.incompatible, "the checkpoint has \(lengths.count) output files, expected 7")
        }
        return lengths
    }
}
