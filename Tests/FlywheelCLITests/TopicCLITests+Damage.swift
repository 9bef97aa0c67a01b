import FlywheelTesting
import Foundation
import Testing

/// A flipped byte in a segment: producers refuse instead of reusing offsets, consumers print up to it and fail.
extension TopicCLITests {
    /// The segment file holding record `offset` of `partition` and where its frame starts (frames are parsed:
    /// u32 length, u32 crc, u64 offset, ...).
    static func frame(_ offset: Int64, topic: String, partition: Int = 0, in folder: TemporaryFolder) throws
        -> (file: String, position: Int)
    {
        let directory = folder.file("data/\(topic)/\(partition)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".log") }
        for name in names.sorted() {
            let path = (directory as NSString).appendingPathComponent(name)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            func integer(_ at: Int, _ count: Int) -> Int64 {
                bytes[at..<(at + count)].reversed().reduce(0) { $0 << 8 | Int64($1) }
            }
            var position = 0
            while position + 28 <= bytes.count {
                if integer(position + 8, 8) == offset { return (path, position) }
                position += 4 + Int(integer(position, 4))
            }
        }
        throw CocoaError(.fileNoSuchFile)
    }

    /// Flips the first value byte of record `offset` (a record without a key: the value starts at byte 28).
    static func damage(_ offset: Int64, topic: String, in folder: TemporaryFolder) throws -> String {
        let (file, position) = try frame(offset, topic: topic, in: folder)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[position + 28] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test func aProducerRefusesADamagedTailAndConsumersFailNamingTheOffset() throws {
        let folder = try TemporaryFolder("topic-cli-damage")
        defer { folder.remove() }
        try Self.topic("ev", records: 50, in: folder)
        let file = try Self.damage(30, topic: "ev", in: folder)
        let before = try Data(contentsOf: URL(fileURLWithPath: file))

        let more = Data("{\"n\": \"more\"}\n".utf8)
        let produced = try Self.flywheel(["topic", "produce", "ev", "--data", "data"], stdin: more, in: folder)
        #expect(produced.status == 1, "\(produced)")
        #expect(produced.stderr.contains("partition 0") && produced.stderr.contains("offset 30"), "\(produced)")
        #expect(produced.stderr.contains("flywheel topic repair ev --partition 0 --data data"), "\(produced)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before, "acknowledged records were cut")

        let consumed = try Self.flywheel(["topic", "consume", "ev", "--data", "data"], in: folder)
        #expect(consumed.status == 1, "\(consumed)")
        #expect(consumed.stdout.split(separator: "\n").count == 30)
        #expect(consumed.stderr.contains("partition 0") && consumed.stderr.contains("offset 30"), "\(consumed)")

        let described = try Self.flywheel(["topic", "describe", "ev", "--data", "data"], in: folder)
        #expect(described.stdout.contains("partition 0: record at offset 30 is damaged"), "\(described)")

        let repaired = try Self.flywheel(["topic", "repair", "ev", "--partition", "0", "--data", "data"], in: folder)
        #expect(repaired.status == 0 && repaired.stdout.contains("offset 30"), "\(repaired)")
        let again = try Self.flywheel(["topic", "produce", "ev", "--data", "data"], stdin: more, in: folder)
        #expect(again.status == 0, "\(again)")
        #expect(try Self.consumed("ev", in: folder).last == "{\"n\": \"more\"}")
        #expect(try Self.consumed("ev", in: folder).count == 31)
    }

    @Test func consumeFromAnOffsetPrintsUpToADamagedOlderSegmentRecordThenFails() throws {
        let folder = try TemporaryFolder("topic-cli-damage-older")
        defer { folder.remove() }
        try Self.topic("ev", records: 100, extra: ["--segment-bytes", "1KiB"], in: folder)
        // Small batches, so that the records are spread over several segments.
        let lines = (100..<200).map { #"{"n": \#($0)}"# }.joined(separator: "\n") + "\n"
        _ = try Self.flywheel(
            ["topic", "produce", "ev", "--data", "data", "--batch-bytes", "256B"], stdin: Data(lines.utf8), in: folder)
        _ = try Self.damage(157, topic: "ev", in: folder)
        let consumed = try Self.flywheel(["topic", "consume", "ev", "--offset", "140", "--data", "data"], in: folder)
        #expect(consumed.status == 1, "\(consumed)")
        #expect(consumed.stdout.split(separator: "\n") == (140..<157).map { #"{"n": \#($0)}"#[...] })
        #expect(consumed.stderr.contains("partition 0") && consumed.stderr.contains("offset 157"), "\(consumed)")
    }

    /// An offset after the damaged record of the newest segment (clamped to the end, which is just after it) and
    /// the end itself (--from-end) cannot be read past the damage: they fail naming it instead of printing nothing.
    @Test(arguments: [["--offset", "35"], ["--offset", "49"], ["--offset", "1000"], ["--from-end"]])
    func consumePastTheDamageFailsNamingItInsteadOfPrintingNothing(start: [String]) throws {
        let folder = try TemporaryFolder("topic-cli-damage-past")
        defer { folder.remove() }
        try Self.topic("ev", records: 50, in: folder)
        _ = try Self.damage(30, topic: "ev", in: folder)
        let consumed = try Self.flywheel(["topic", "consume", "ev", "--data", "data"] + start, in: folder)
        #expect(consumed.status == 1, "\(consumed)")
        #expect(consumed.stdout.isEmpty, "\(consumed)")
        #expect(consumed.stderr.contains("partition 0") && consumed.stderr.contains("offset 30"), "\(consumed)")
    }
}
