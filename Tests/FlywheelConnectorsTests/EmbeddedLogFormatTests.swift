import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelConnectors

/// The checksum and the exact bytes of a record frame, as README.md documents them.
struct EmbeddedLogFormatTests {
    @Test(arguments: [
        ("123456789", UInt32(0xE306_9283)),
        ("", UInt32(0)),
        ("a", UInt32(0xC1D0_4330)),
        ("The quick brown fox jumps over the lazy dog", UInt32(0x2262_0404)),
    ])
    func crc32cMatchesKnownVectors(text: String, expected: UInt32) {
        #expect(CRC32C.checksum(Array(text.utf8)) == expected)
    }

    @Test func crc32cMatchesTheISCSIVectorsOfRFC3720() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test func crc32cCanBeComputedInPieces() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let whole = CRC32C.checksum(bytes)
        let pieces = bytes.withUnsafeBytes { buffer in
            CRC32C.update(
                CRC32C.update(0, UnsafeRawBufferPointer(rebasing: buffer[0..<333])),
                UnsafeRawBufferPointer(rebasing: buffer[333...]))
        }
        #expect(pieces == whole)
    }

    @Test func crc32cOfTheCPUInstructionsEqualsTheTablesAtEveryLengthAndAlignment() {
        // Where the CPU has no CRC-32C instructions both sides are the tables (the vectors above still check them).
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4100).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBytes { buffer in
            for start in 0..<9 {
                for length in [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4091] {
                    let piece = UnsafeRawBufferPointer(rebasing: buffer[start..<(start + length)])
                    #expect(CRC32C.update(0, piece) == CRC32C.tableUpdate(0, piece), "start \(start), length \(length)")
                    #expect(CRC32C.update(0x1234_5678, piece) == CRC32C.tableUpdate(0x1234_5678, piece))
                }
            }
        }
    }

    @Test func frameBytesAreLengthCrcOffsetTimestampKeyLengthKeyValue() throws {
        let folder = try TemporaryFolder("log-format")
        defer { folder.remove() }
        let log = try PartitionLog(directory: folder.file("p"), options: LogFixture.options())
        try log.append([LogRecord(timestamp: 5, key: "k", value: "first")])
        try log.append([LogRecord(timestamp: -2, key: nil, value: "v")])
        try log.close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.file("p/00000000000000000000.log"))))
        func u32(_ at: Int) -> UInt32 { bytes[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u64(_ at: Int) -> UInt64 { bytes[at..<(at + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        #expect(bytes.count == (4 + 24 + 1 + 5) + (4 + 24 + 1))
        #expect(u32(0) == 30)
        #expect(u32(4) == CRC32C.checksum(bytes[8..<34]))
        #expect(u64(8) == 0)
        #expect(u64(16) == 5)
        #expect(u32(24) == 1)
        #expect(String(decoding: bytes[28..<34], as: UTF8.self) == "kfirst")
        #expect(u32(34) == 25)
        #expect(u64(42) == 1)
        #expect(Int64(bitPattern: u64(50)) == -2)
        #expect(u32(58) == 0xFFFF_FFFF)
        #expect(bytes[62] == UInt8(ascii: "v"))
    }

    @Test func emptyKeyAndNoKeyStayDistinct() throws {
        let folder = try TemporaryFolder("log-keys")
        defer { folder.remove() }
        let log = try PartitionLog(directory: folder.file("p"), options: LogFixture.options())
        try log.append([
            LogRecord(timestamp: 1, key: [], value: []), LogRecord(timestamp: 2, key: nil, value: [0, 1]),
        ])
        let records = try log.read(from: 0)
        #expect(records.map(\.key) == [[], nil])
        #expect(records.map(\.value) == [[], [0, 1]])
        #expect(records.map(\.offset) == [0, 1])
    }
}
