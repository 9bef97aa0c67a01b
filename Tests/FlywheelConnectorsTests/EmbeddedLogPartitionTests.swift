import FlywheelConnectors
import FlywheelTesting
import Foundation
import Testing

/// Appends, reads, segment rolls, index seeks, retention and truncation of one partition.
struct EmbeddedLogPartitionTests {
    @Test func appendedRecordsReadBackWithConsecutiveOffsets() throws {
        let folder = try TemporaryFolder("log-roundtrip")
        defer { folder.remove() }
        let log = try PartitionLog(directory: folder.file("p"), options: LogFixture.options())
        #expect(try log.append(LogFixture.records(0..<10)) == 0)
        #expect(try log.append(LogFixture.records(10..<25)) == 10)
        #expect(log.highWatermark == 25)
        let records = try LogFixture.readAll(log)
        #expect(records.map(\.offset) == Array(0..<25))
        #expect(records.map(\.value) == LogFixture.records(0..<25).map(\.value))
        #expect(records.map(\.keyText) == LogFixture.records(0..<25).map(\.keyText))
        #expect(records.map(\.timestamp) == (0..<25).map { 1_000 + Int64($0) })
        #expect(try log.read(from: 25).isEmpty)
    }

    @Test func readHonoursMaxBytesAndMaxRecordsButReturnsAtLeastOne() throws {
        let folder = try TemporaryFolder("log-limits")
        defer { folder.remove() }
        let log = try PartitionLog(directory: folder.file("p"), options: LogFixture.options())
        try log.append(LogFixture.records(0..<20, valueBytes: 100))
        #expect(try log.read(from: 3, maxRecords: 4).map(\.offset) == [3, 4, 5, 6])
        #expect(try log.read(from: 3, maxBytes: 1).map(\.offset) == [3])
        #expect(try log.read(from: 3, maxBytes: 300).count == 2)
    }

    @Test func offsetsContinueAcrossSegmentRollsAndReopen() throws {
        let folder = try TemporaryFolder("log-rolls")
        defer { folder.remove() }
        let options = LogFixture.options(segmentBytes: 1024)
        let log = try PartitionLog(directory: folder.file("p"), options: options)
        for start in stride(from: 0, to: 60, by: 3) {
            try log.append(LogFixture.records(start..<(start + 3), valueBytes: 80))
        }
        let files = try LogFixture.segmentFiles(folder.file("p"))
        #expect(files.count > 5)
        #expect(files.first?.hasSuffix("/00000000000000000000.log") == true)
        #expect(try files.allSatisfy { try LogFixture.fileSize($0) <= 1024 })
        try log.close()
        let reopened = try PartitionLog(directory: folder.file("p"), options: options)
        #expect(reopened.highWatermark == 60)
        #expect(reopened.stats.segmentCount == files.count)
        #expect(try LogFixture.readAll(reopened, maxBytes: 100).map(\.offset) == Array(0..<60))
        #expect(try reopened.append(LogFixture.records(60..<61)) == 60)
    }

    @Test(arguments: [0, 1, 63, 64, 65, 500, 998, 999])
    func readSeeksToAnyOffsetThroughTheSparseIndex(offset: Int) throws {
        let folder = try TemporaryFolder("log-seek")
        defer { folder.remove() }
        let options = LogFixture.options(segmentBytes: 16 * 1024, indexInterval: 256)
        let log = try PartitionLog(directory: folder.file("p"), options: options)
        for start in stride(from: 0, to: 1000, by: 50) {
            try log.append(LogFixture.records(start..<(start + 50)))
        }
        #expect(try LogFixture.fileSize(folder.file("p/00000000000000000000.index")) > 0)
        let records = try log.read(from: Int64(offset), maxRecords: 3)
        #expect(records.first?.offset == Int64(offset))
        #expect(records.first?.value == LogFixture.record(offset).value)
    }

    @Test func aLostIndexIsRebuiltAtOpen() throws {
        let folder = try TemporaryFolder("log-index")
        defer { folder.remove() }
        let options = LogFixture.options(indexInterval: 128)
        let log = try PartitionLog(directory: folder.file("p"), options: options)
        try log.append(LogFixture.records(0..<200))
        try log.close()
        let index = folder.file("p/00000000000000000000.index")
        let size = try LogFixture.fileSize(index)
        try FileManager.default.removeItem(atPath: index)
        let reopened = try PartitionLog(directory: folder.file("p"), options: options)
        #expect(try LogFixture.fileSize(index) == size)
        #expect(try reopened.read(from: 150, maxRecords: 1).first?.offset == 150)
        #expect(reopened.lastRecovery == nil)
    }

    @Test func retentionBySizeDeletesWholeOldSegmentsAndMovesTheStart() throws {
        let folder = try TemporaryFolder("log-retention-size")
        defer { folder.remove() }
        var options = LogFixture.options(segmentBytes: 1024)
        options.retentionBytes = 3000
        let log = try PartitionLog(directory: folder.file("p"), options: options)
        for start in stride(from: 0, to: 200, by: 4) {
            try log.append(LogFixture.records(start..<(start + 4), valueBytes: 60))
        }
        let stats = log.stats
        #expect(stats.logStartOffset > 0)
        #expect(stats.highWatermark == 200)
        #expect(stats.sizeBytes <= 3000 + 1024)
        #expect(try LogFixture.segmentFiles(folder.file("p")).count == stats.segmentCount)
        #expect(try LogFixture.readAll(log).map(\.offset) == Array(stats.logStartOffset..<200))
        #expect(throws: LogError.self) { try log.read(from: 0) }
    }

    @Test func retentionByAgeDeletesSegmentsWhoseNewestRecordIsTooOld() throws {
        let folder = try TemporaryFolder("log-retention-age")
        defer { folder.remove() }
        let clock = ManualMillisClock(1_000)
        var options = LogFixture.options(segmentBytes: 1024)
        options.retentionMillis = 60_000
        options.clock = { clock.millis }
        let log = try PartitionLog(directory: folder.file("p"), options: options)
        for start in stride(from: 0, to: 100, by: 4) {
            try log.append(LogFixture.records(start..<(start + 4), valueBytes: 60))
        }
        #expect(log.logStartOffset == 0)
        clock.advance(by: 60_000)
        #expect(try log.enforceRetention() == 0)
        clock.advance(by: 2_000)
        let start = try log.enforceRetention()
        #expect(log.stats.segmentCount == 1)
        #expect(start > 0 && start < 100)
        #expect(try log.read(from: start).first?.offset == start)
    }

    @Test func truncateAfterCutsTheTailSoAppendsReuseTheOffsets() throws {
        let folder = try TemporaryFolder("log-truncate")
        defer { folder.remove() }
        let options = LogFixture.options(segmentBytes: 1024, indexInterval: 128)
        let log = try PartitionLog(directory: folder.file("p"), options: options)
        for start in stride(from: 0, to: 60, by: 3) {
            try log.append(LogFixture.records(start..<(start + 3), valueBytes: 80))
        }
        try log.truncate(after: 17)
        #expect(log.highWatermark == 18)
        #expect(try log.append(LogFixture.records(100..<102)) == 18)
        try log.close()
        let reopened = try PartitionLog(directory: folder.file("p"), options: options)
        let records = try LogFixture.readAll(reopened)
        #expect(records.map(\.offset) == Array(0..<20))
        #expect(records.suffix(2).map(\.value) == LogFixture.records(100..<102).map(\.value))
    }

    @Test func aSecondWriterOfAPartitionIsRefused() throws {
        let folder = try TemporaryFolder("log-lock")
        defer { folder.remove() }
        let log = try PartitionLog(directory: folder.file("p"), options: LogFixture.options())
        #expect(throws: LogError.self) { try PartitionLog(directory: folder.file("p"), options: LogFixture.options()) }
        try log.close()
        _ = try PartitionLog(directory: folder.file("p"), options: LogFixture.options())
    }

    @Test func aReadOnlyLogSeesNewRecordsAfterRefresh() throws {
        let folder = try TemporaryFolder("log-refresh")
        defer { folder.remove() }
        let writer = try PartitionLog(directory: folder.file("p"), options: LogFixture.options(segmentBytes: 1024))
        try writer.append(LogFixture.records(0..<5))
        let reader = try PartitionLog(directory: folder.file("p"), options: LogFixture.options(readOnly: true))
        #expect(reader.highWatermark == 5)
        for start in stride(from: 5, to: 80, by: 5) {
            try writer.append(LogFixture.records(start..<(start + 5), valueBytes: 80))
        }
        #expect(reader.highWatermark == 5)
        #expect(try reader.refresh() == 80)
        #expect(try LogFixture.readAll(reader).map(\.offset) == Array(0..<80))
    }
}
