import FlywheelConnectors
import FlywheelTesting
import Foundation
import Testing

/// Damage (a whole frame with a wrong checksum, a bad frame followed by valid ones) is never cut like a torn tail:
/// a writer refuses the partition, readers read up to the damaged offset and then fail naming it.
struct EmbeddedLogDamageTests {
    /// Writes records 0..<count in batches of 10 to one segment and returns the partition folder and its file.
    /// An open checks the frames after the last index entry, so the default interval here (1 MiB: no entry)
    /// makes it check them all.
    static func writeRecords(in folder: TemporaryFolder, count: Int = 300, indexInterval: Int = 1 << 20) throws
        -> (String, String)
    {
        let directory = folder.file("p")
        let log = try PartitionLog(directory: directory, options: LogFixture.options(indexInterval: indexInterval))
        for start in stride(from: 0, to: count, by: 10) { try log.append(LogFixture.records(start..<(start + 10))) }
        try log.close()
        return (directory, try #require(try LogFixture.segmentFiles(directory).last))
    }

    /// The file position where the frame of record `offset` starts (frames of `LogFixture.record` have one size).
    static func framePosition(_ offset: Int, in segment: String, count: Int = 300) throws -> Int {
        try LogFixture.fileSize(segment) / count * offset
    }

    /// Flipped bytes of record 200: its value (checksum), its offset field, and its length field (the frame then
    /// runs past the end of the file, like a torn write, but valid frames follow it).
    @Test(arguments: [40, 9, 2])
    func aFlippedByteInTheMiddleOfTheNewestSegmentIsNeverCut(byteInFrame: Int) throws {
        let folder = try TemporaryFolder("log-damage-middle")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeRecords(in: folder)
        let size = try LogFixture.fileSize(segment)
        try LogFixture.flipByte(segment, at: try Self.framePosition(200, in: segment) + byteInFrame)

        let error = #expect(throws: LogError.self) {
            try PartitionLog(directory: directory, options: LogFixture.options(indexInterval: 1 << 20))
        }
        #expect(error?.code == .corrupt)
        #expect((error?.cause as? LogDamage)?.offset == 200)
        #expect(error?.message.contains("offset 200") == true)
        #expect(try LogFixture.fileSize(segment) == size)

        let reader = try PartitionLog(directory: directory, options: LogFixture.options(readOnly: true))
        #expect(reader.damage?.offset == 200)
        #expect(reader.highWatermark == 201)
        #expect(try reader.read(from: 150, maxBytes: 1 << 20).map(\.offset) == Array(150..<200))
        let readError = #expect(throws: LogError.self) { try reader.read(from: 200) }
        #expect(readError?.message.contains("offset 200") == true)
    }

    /// Frames before the last index entry are not checked at open (a writer appends after the last frame, so it
    /// cannot harm them); a read reaches the damage and fails naming it, after handing out the records before it.
    @Test func damageBeforeTheLastIndexEntryFailsTheReadThatReachesIt() throws {
        let folder = try TemporaryFolder("log-damage-indexed")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeRecords(in: folder, indexInterval: 256)
        try LogFixture.flipByte(segment, at: try Self.framePosition(200, in: segment) + 40)
        let reader = try PartitionLog(directory: directory, options: LogFixture.options(readOnly: true))
        var seen: [Int64] = []
        let error = #expect(throws: LogError.self) {
            try reader.forEachRecord(from: 150) { seen.append($0.offset) }
        }
        #expect(seen == Array(150..<200))
        #expect((error?.cause as? LogDamage)?.offset == 200)
    }

    /// The last byte of the value, a byte of the key, the offset field, and each byte of the length field that
    /// makes the last frame announce more bytes than the file holds (as a torn write would, but the frame is whole).
    @Test(arguments: [-1, -20, 9, 0, 1, 2])
    func aFlippedByteInTheLastWholeRecordIsDamageThatOnlyARepairCuts(positionFromRecordStart: Int) throws {
        let folder = try TemporaryFolder("log-damage-last")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeRecords(in: folder, count: 30, indexInterval: 256)
        let size = try LogFixture.fileSize(segment)
        let lastStart = size - size / 30
        let position =
            positionFromRecordStart < 0 ? size + positionFromRecordStart : lastStart + positionFromRecordStart
        try LogFixture.flipByte(segment, at: position)
        let error = #expect(throws: LogError.self) {
            try PartitionLog(directory: directory, options: LogFixture.options(indexInterval: 256))
        }
        #expect((error?.cause as? LogDamage)?.offset == 29)
        #expect(try LogFixture.fileSize(segment) == size)

        var repair = LogFixture.options(indexInterval: 256)
        repair.cutDamage = true
        let log = try PartitionLog(directory: directory, options: repair)
        #expect(log.highWatermark == 29)
        #expect(log.lastRecovery?.truncatedBytes == size / 30)
        #expect(try log.append(LogFixture.records(29..<30)) == 29)
        try EmbeddedLogRecoveryTests.expectIntactPrefix(log, count: 30)
    }

    @Test func aDamagedOlderSegmentFailsTheReadNamingTheOffsetAfterTheRecordsBeforeIt() throws {
        let folder = try TemporaryFolder("log-damage-older")
        defer { folder.remove() }
        let log = try PartitionLog(directory: folder.file("p"), options: LogFixture.options(segmentBytes: 1024))
        for start in stride(from: 0, to: 60, by: 3) { try log.append(LogFixture.records(start..<(start + 3))) }
        try log.close()
        let first = try #require(try LogFixture.segmentFiles(folder.file("p")).first)
        let frameBytes = try LogFixture.fileSize(first) / 12
        try LogFixture.flipByte(first, at: 7 * frameBytes + 40)
        let reader = try PartitionLog(directory: folder.file("p"), options: LogFixture.options(readOnly: true))
        var seen: [Int64] = []
        let error = #expect(throws: LogError.self) {
            try reader.forEachRecord(from: 2) { seen.append($0.offset) }
        }
        #expect(seen == Array(2..<7))
        #expect(error?.message.contains("offset 7") == true)
        #expect((error?.cause as? LogDamage)?.offset == 7)
    }

    @Test func aReadOnlyLogFindsDamageAppendedAfterItOpened() throws {
        let folder = try TemporaryFolder("log-damage-refresh")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeRecords(in: folder, count: 30)
        let whole = try Data(contentsOf: URL(fileURLWithPath: segment))
        let frameBytes = whole.count / 30
        try LogFixture.truncate(segment, to: 20 * frameBytes)
        let reader = try PartitionLog(directory: directory, options: LogFixture.options(readOnly: true))
        #expect(reader.highWatermark == 20)
        var damaged = whole
        damaged[25 * frameBytes + 40] ^= 0xFF
        try damaged.write(to: URL(fileURLWithPath: segment))
        #expect(try reader.refresh() == 26)
        #expect(reader.damage?.offset == 25)
        #expect(throws: LogError.self) { try reader.read(from: 25) }
    }

    @Test func aReaderFollowsARepairOfTheDamage() throws {
        let folder = try TemporaryFolder("log-damage-repair")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeRecords(in: folder, count: 30)
        try LogFixture.flipByte(segment, at: try Self.framePosition(25, in: segment, count: 30) + 40)
        let reader = try PartitionLog(directory: directory, options: LogFixture.options(readOnly: true))
        #expect(reader.damage?.offset == 25)
        var repair = LogFixture.options(indexInterval: 1 << 20)
        repair.cutDamage = true
        let writer = try PartitionLog(directory: directory, options: repair)
        #expect(writer.highWatermark == 25)
        try writer.append(LogFixture.records(100..<103))
        #expect(try reader.refresh() == 28)
        #expect(reader.damage == nil)
        #expect(
            try reader.read(from: 24).map(\.value) == LogFixture.records(24..<25).map(\.value)
                + LogFixture.records(100..<103).map(\.value))
    }

    /// The index is a hint without a checksum: a flipped byte in an entry (its position, or its offset) that points
    /// a read at the middle of a frame, or at another record, is not reported as a damaged record; the read starts
    /// from the segment start instead, for readers and after a writer reopened the partition.
    @Test(arguments: [8, 9, 12, 13])
    func aFlippedByteInTheIndexIsNotDamage(indexByte: Int) throws {
        let folder = try TemporaryFolder("log-damage-index")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeRecords(in: folder, indexInterval: 1024)
        let index = String(segment.dropLast(4)) + ".index"
        try #require(try LogFixture.fileSize(index) >= 32)
        try LogFixture.flipByte(index, at: indexByte)
        try PartitionLog(directory: directory, options: LogFixture.options(indexInterval: 1024)).close()
        let reader = try PartitionLog(directory: directory, options: LogFixture.options(readOnly: true))
        for start in [Int64(0), 25, 30, 100, 299] {
            let values = try reader.read(from: start, maxBytes: 1 << 20).map(\.value)
            #expect(values == LogFixture.records(Int(start)..<300).map(\.value), "from \(start)")
        }
        // A writer cutting back (a transactional sink on abort) finds the record to cut at as well.
        let writer = try PartitionLog(directory: directory, options: LogFixture.options(indexInterval: 1024))
        try writer.truncate(after: 30)
        #expect(writer.highWatermark == 31)
        #expect(try writer.read(from: 0, maxBytes: 1 << 20).map(\.value) == LogFixture.records(0..<31).map(\.value))
    }
}
