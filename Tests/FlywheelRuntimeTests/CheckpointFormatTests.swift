import FlywheelEngine
import FlywheelSignals
import Testing

@testable import FlywheelRuntime

/// The checkpoint file's format version: this build writes 6 and reads 5 and 6; other versions are refused
/// with a message that names them.
struct CheckpointFormatTests {
    private static func checkpoint() -> CheckpointData {
        CheckpointData(
            id: 3, createdMillis: 1_795_687_500_000, parallelism: 2, watermark: EventTime(millis: 1_000),
            ingest: IngestResume(sequence: 7, positions: [], state: [1, 2, 3]), sources: [], operators: [],
            pending: [], written: SignalCounters(), sinks: [StateSection(id: "files", bytes: [9])])
    }

    /// The encoded checkpoint with its version field set to `version` and its checksum made to match.
    private static func encoded(version: UInt64) -> [UInt8] {
        var bytes = Array(checkpoint().encoded().dropLast(8))
        let at = CheckpointData.magic.count
        withUnsafeBytes(of: version.littleEndian) { bytes.replaceSubrange(at..<(at + 8), with: $0) }
        let checksum = UInt64(CheckpointData.crc32(bytes))
        withUnsafeBytes(of: checksum.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    @Test func theCurrentAndThePreviousFormatAreRead() throws {
        #expect(Self.encoded(version: CheckpointData.formatVersion) == Self.checkpoint().encoded())
        for version: UInt64 in [5, 6] {
            let decoded = try CheckpointData(decoding: Self.encoded(version: version))
            #expect(decoded.id == 3 && decoded.ingest.state == [1, 2, 3] && decoded.sinks.first?.bytes == [9])
        }
    }

    @Test(arguments: [4, 7] as [UInt64])
    func otherFormatsAreRefusedByNumber(version: UInt64) {
        let error = #expect(throws: CheckpointError.self) {
            try CheckpointData(decoding: Self.encoded(version: version))
        }
        #expect(error?.code == .versionMismatch)
        #expect(error?.message == "checkpoint format \(version); this build reads formats 5 to 6")
    }

    /// The file as it was written before the state went out in pieces: everything gathered in one buffer.
    private static func gathered(_ data: CheckpointData) -> [UInt8] {
        var writer = StateWriter()
        for byte in CheckpointData.magic { writer.write(byte) }
        writer.write(CheckpointData.formatVersion)
        writer.write(data.id)
        writer.write(data.createdMillis)
        writer.write(data.parallelism)
        writer.write(data.watermark)
        writer.write(data.ingest.sequence)
        writer.write(data.ingest.positions) { $0.write($1) }
        writer.write(bytes: data.ingest.state)
        let section = { (writer: inout StateWriter, section: StateSection) in
            writer.write(section.id)
            writer.write(bytes: section.bytes)
        }
        writer.write(data.sources, section)
        writer.write(data.operators) { writer, state in
            writer.write(state.id.raw)
            writer.write(state.groups) { $0.write(bytes: $1) }
        }
        writer.write(data.pending) { $0.write($1) }
        writer.write(data.written)
        writer.write(data.sinks, section)
        var bytes = writer.bytes
        withUnsafeBytes(of: UInt64(CheckpointData.crc32(bytes)).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    @Test func thePiecesMakeTheSameFileAsOneGatheredBuffer() throws {
        let large = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var data = Self.checkpoint()
        data.ingest.state = large
        data.sources = [StateSection(id: "events", bytes: [1, 2]), StateSection(id: "big", bytes: large)]
        // Every operator has its 128 key groups: small, empty and large ones.
        var pairs = [[UInt8]](repeating: [], count: KeyGroups.count)
        pairs[1] = [7]
        pairs[2] = large
        pairs[3] = Array(large.prefix(4096))
        var sessions = [[UInt8]](repeating: [5], count: KeyGroups.count)
        sessions[0] = Array(large.prefix(4095))
        data.operators = [
            OperatorState(id: OperatorID("pairs"), groups: pairs),
            OperatorState(id: OperatorID("sessions"), groups: sessions),
        ]
        var pieces: [[UInt8]] = []
        data.encode { pieces.append(Array($0)) }
        #expect(pieces.count > 4, "large arrays go out as pieces of their own")
        #expect(pieces.joined().elementsEqual(Self.gathered(data)))
        let decoded = try CheckpointData(decoding: data.encoded())
        #expect(decoded.operators == data.operators && decoded.ingest.state == large)
        #expect(decoded.sources.map(\.bytes) == data.sources.map(\.bytes))
    }
}
