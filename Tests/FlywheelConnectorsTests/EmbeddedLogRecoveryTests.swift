import FlywheelConnectors
import FlywheelTesting
import Foundation
import Testing

/// Torn tails: an open cuts them off, keeps everything before, and appends continue from there.
struct EmbeddedLogRecoveryTests {
    /// Writes records 0..<30 in three batches and returns the partition folder and the last segment file.
    static func writeThirtyRecords(in folder: TemporaryFolder) throws -> (String, String) {
        let directory = folder.file("p")
        let log = try PartitionLog(directory: directory, options: LogFixture.options(indexInterval: 256))
        for start in [0, 10, 20] { try log.append(LogFixture.records(start..<(start + 10))) }
        try log.close()
        return (directory, try #require(try LogFixture.segmentFiles(directory).last))
    }

    static func expectIntactPrefix(_ log: PartitionLog, count: Int) throws {
        let records = try LogFixture.readAll(log)
        #expect(records.map(\.offset) == (0..<count).map(Int64.init))
        #expect(records.map(\.value) == LogFixture.records(0..<count).map(\.value))
    }

    @Test(arguments: [1, 7, 30, 50])
    func tornLastRecordIsCutAndAppendsContinueAtItsOffset(bytesCut: Int) throws {
        let folder = try TemporaryFolder("log-torn")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeThirtyRecords(in: folder)
        let size = try LogFixture.fileSize(segment)
        try LogFixture.truncate(segment, to: size - bytesCut)
        let warnings = WarningLog()
        let log = try PartitionLog(
            directory: directory, options: LogFixture.options(indexInterval: 256, warnings: warnings))
        #expect(log.highWatermark == 29)
        #expect(log.lastRecovery?.truncatedBytes == (size - bytesCut) - log.stats.sizeBytes)
        #expect(log.lastRecovery?.reason.contains("partial record") == true)
        #expect(warnings.all.count == 1)
        try Self.expectIntactPrefix(log, count: 29)
        #expect(try log.append(LogFixture.records(29..<31)) == 29)
        try log.close()
        let reopened = try PartitionLog(directory: directory, options: LogFixture.options(indexInterval: 256))
        #expect(reopened.lastRecovery == nil)
        try Self.expectIntactPrefix(reopened, count: 31)
    }

    @Test func recordCutInsideItsHeaderIsCut() throws {
        let folder = try TemporaryFolder("log-torn-header")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeThirtyRecords(in: folder)
        let recordBytes = try LogFixture.fileSize(segment) / 30
        try LogFixture.truncate(segment, to: 25 * recordBytes + 2)
        let log = try PartitionLog(directory: directory, options: LogFixture.options(indexInterval: 256))
        #expect(log.highWatermark == 25)
        try Self.expectIntactPrefix(log, count: 25)
    }

    @Test func garbageAfterTheLastRecordIsCut() throws {
        let folder = try TemporaryFolder("log-garbage")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeThirtyRecords(in: folder)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0, count: 4096))
        try handle.close()
        let log = try PartitionLog(directory: directory, options: LogFixture.options(indexInterval: 256))
        #expect(log.highWatermark == 30)
        #expect(log.lastRecovery?.truncatedBytes == 4096)
        try Self.expectIntactPrefix(log, count: 30)
    }

    @Test func aDamagedRecordBeforeTheTailIsAnErrorOnRead() throws {
        let folder = try TemporaryFolder("log-damage")
        defer { folder.remove() }
        let options = LogFixture.options(segmentBytes: 1024)
        let log = try PartitionLog(directory: folder.file("p"), options: options)
        for start in stride(from: 0, to: 60, by: 3) { try log.append(LogFixture.records(start..<(start + 3))) }
        try log.close()
        let first = try #require(try LogFixture.segmentFiles(folder.file("p")).first)
        try LogFixture.flipByte(first, at: 40)
        let warnings = WarningLog()
        var warned = options
        warned.warn = { warnings.add($0) }
        let reopened = try PartitionLog(directory: folder.file("p"), options: warned)
        #expect(reopened.highWatermark == 60)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("record at offset 0 is damaged") == true, "\(warnings.all)")
        let error = #expect(throws: LogError.self) { try reopened.read(from: 0) }
        #expect(error?.code == .corrupt)
        #expect(try reopened.read(from: 59).map(\.offset) == [59])
    }

    @Test func aReaderNeverSeesAPartialRecordBeingWritten() throws {
        let folder = try TemporaryFolder("log-partial-read")
        defer { folder.remove() }
        let (directory, segment) = try Self.writeThirtyRecords(in: folder)
        let whole = try Data(contentsOf: URL(fileURLWithPath: segment))
        try LogFixture.truncate(segment, to: whole.count - 10)
        let warnings = WarningLog()
        let reader = try PartitionLog(
            directory: directory, options: LogFixture.options(readOnly: true, warnings: warnings))
        #expect(reader.highWatermark == 29)
        #expect(reader.lastRecovery?.truncatedBytes == 0)
        // A write in progress is no recovery: a consumer beside a producer prints no warning about it.
        #expect(warnings.all.isEmpty)
        #expect(try LogFixture.fileSize(segment) == whole.count - 10)
        try whole.write(to: URL(fileURLWithPath: segment))
        #expect(try reader.refresh() == 30)
        try Self.expectIntactPrefix(reader, count: 30)
    }
}
