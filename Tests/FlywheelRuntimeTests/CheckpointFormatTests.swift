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
}
