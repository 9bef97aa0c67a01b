import CFileIO
import FlywheelConnectors
import FlywheelTesting
import Foundation
import Testing

/// Writing a file's dirty pages back without a journal commit: what the checkpoint writer does every 256 KiB
/// and what the ingest starts on every partition before it syncs them.
struct WriteBackTests {
    @Test func writeBackReportsTheSystemsErrorAndLeavesTheBytes() throws {
        #expect(flywheel_write_back(-1, 0, 4096) == EBADF)
        #expect(flywheel_start_write_back(-1) == EBADF)
        let folder = try TemporaryFolder("write-back")
        defer { folder.remove() }
        let path = folder.file("data")
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        #expect(flywheel_start_write_back(fd) == 0)
        #expect(flywheel_write_back(fd, 0, Int64(bytes.count)) == 0)
        // A range past the end, and the whole file (length 0), are accepted too.
        #expect(flywheel_write_back(fd, 1 << 30, 4096) == 0)
        #expect(flywheel_write_back(fd, 0, 0) == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
    }

    @Test func aPartitionStartsWritingBackOnlyWhatIsNotSyncedAndASyncStillMakesItDurable() throws {
        let folder = try TemporaryFolder("write-back-log")
        defer { folder.remove() }
        var options = LogFixture.options()
        options.fsync = .never
        let log = try PartitionLog(directory: folder.file("p"), options: options)
        log.startWriteBack()  // nothing appended: nothing to do
        try log.append(LogFixture.records(0..<30))
        #expect(log.durableOffset == 0)
        log.startWriteBack()
        #expect(log.durableOffset == 0)  // started, not waited for: not durable yet
        try log.sync()
        #expect(log.durableOffset == 30)
        log.startWriteBack()  // everything synced: nothing to do
        try log.close()
        log.startWriteBack()  // closed: nothing to do
        let reopened = try PartitionLog(directory: folder.file("p"), options: LogFixture.options())
        #expect(try LogFixture.readAll(reopened).map(\.value) == LogFixture.records(0..<30).map(\.value))
    }
}
