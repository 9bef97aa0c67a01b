import FlywheelConnectors
import FlywheelTesting
import Foundation
import Synchronization
import Testing

/// `topic consume` reading while retention deletes: a lagging follower says which offsets it never saw.
struct EmbeddedLogConsumeTests {
    /// Collects what is written to a pipe on another thread until the write end is closed.
    final class PipeReader: Sendable {
        let readFD: Int32
        let writeFD: Int32
        private let data = Mutex(Data())
        private let done = DispatchGroup()

        init() throws {
            var ends: [Int32] = [-1, -1]
            try #require(pipe(&ends) == 0)
            readFD = ends[0]
            writeFD = ends[1]
        }

        /// Bytes written and not read yet.
        var unread: Int32 {
            var count: Int32 = 0
            _ = ioctl(readFD, UInt(FIONREAD), &count)
            return count
        }

        func startReading() {
            done.enter()
            DispatchQueue.global().async { [self] in
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                    if count <= 0 { break }
                    data.withLock { $0.append(contentsOf: buffer[0..<count]) }
                }
                done.leave()
            }
        }

        /// The lines read so far.
        var lines: [Substring] { String(decoding: data.withLock { $0 }, as: UTF8.self).split(separator: "\n") }

        /// Closes both ends once the reading thread is done.
        func finish() {
            close(writeFD)
            done.wait()
            close(readFD)
        }
    }

    @Test func aLaggingFollowerReportsTheOffsetsRetentionDeletedAndGoesOn() async throws {
        let folder = try TemporaryFolder("log-consume-gap")
        defer { folder.remove() }
        let data = folder.file("data")
        let log = EmbeddedLog(directory: data)
        try log.createTopic(Topic(name: "ev", partitions: 1, segmentBytes: 4096, retentionBytes: 8192))
        // Records 0..<99 written without retention, so that the follower starts with all of them.
        let early = try PartitionLog(
            directory: folder.file("data/ev/0"), options: LogFixture.options(segmentBytes: 4096))
        for start in stride(from: 0, to: 99, by: 3) {
            try early.append(LogFixture.records(start..<(start + 3), valueBytes: 1000))
        }
        try early.close()

        let output = try PipeReader()
        let warnings = WarningLog()
        var options = TopicConsumeOptions(dataDirectory: data, topic: "ev")
        options.follow = true
        options.pollInterval = .milliseconds(5)
        options.warn = { warnings.add($0) }
        // About 100 KiB of output: the follower blocks writing it (nobody reads the pipe yet), before it looks for
        // new records, so it lags behind what retention deletes next.
        let consumer = Task { [options] in try await TopicConsumeJob.run(options, output: output.writeFD) }
        let deadline = Date().addingTimeInterval(60)
        while output.unread < 60_000 && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(output.unread >= 60_000, "the consumer never filled its output")

        let writer = try log.open("ev").partitions[0]
        for start in stride(from: 99, to: 198, by: 3) {
            try writer.append(LogFixture.records(start..<(start + 3), valueBytes: 1000))
        }
        let start = writer.logStartOffset
        try writer.close()
        #expect(start > 99)
        output.startReading()
        let expected = 99 + Int(198 - start)
        // A deadline of its own: on a loaded machine the first phase can take most of a minute.
        let readDeadline = Date().addingTimeInterval(120)
        while output.lines.count < expected && Date() < readDeadline { try await Task.sleep(for: .milliseconds(5)) }
        consumer.cancel()
        _ = try await consumer.value
        output.finish()
        #expect(
            warnings.all == [
                "topic 'ev' partition 0: offsets 99 to \(start - 1) were deleted by retention before they were read; "
                    + "continuing at offset \(start)"
            ])
        let lines = output.lines
        #expect(lines.count == expected)
        #expect(lines.last.map(String.init) == LogFixture.record(197, valueBytes: 1000).valueText)
    }
}
