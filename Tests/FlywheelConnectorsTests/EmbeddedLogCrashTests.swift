import FlywheelConnectors
import FlywheelTesting
import Foundation
import Testing

/// `flywheel topic produce` killed with SIGKILL part-way: after reopening, every partition holds a prefix of the
/// lines routed to it, at contiguous offsets, and at least everything that was acknowledged.
struct EmbeddedLogCrashTests {
    /// The `flywheel` executable built next to the test bundle.
    static let executable: String? = {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("flywheel").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test(.enabled(if: executable != nil, "the flywheel executable is built by swift build --build-tests"))
    func killDuringProduceLosesNothingAcknowledgedAndLeavesNoPartialRecord() throws {
        let folder = try TemporaryFolder("log-kill")
        defer { folder.remove() }
        let partitions = 3
        let lines = (0..<400_000).map { number in
            #"{"conversation_id": "c\#(number % 101)", "n": \#(number), "text": "\#(String(repeating: "w", count: number % 200))"}"#
        }
        let input = try folder.write("in.jsonl", lines.joined(separator: "\n") + "\n")
        let topic = try EmbeddedLog(directory: folder.file("data")).createTopic(
            Topic(name: "t", partitions: partitions))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.executable))
        process.arguments = [
            "topic", "produce", "t", "--key-field", "conversation_id", "--input", input, "--batch-bytes", "64KiB",
            "--print-acks", "--quiet", "--data", folder.file("data"),
        ]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        var acked = Array(repeating: Int64(0), count: partitions)
        var pending = ""
        var ackCount = 0
        while ackCount < 40 {
            let data = stdout.fileHandleForReading.availableData
            if data.isEmpty { break }
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let fields = pending[..<newline].split(separator: " ")
                pending = String(pending[pending.index(after: newline)...])
                if fields.count == 3, let partition = Int(fields[1]), let end = Int64(fields[2]) {
                    acked[partition] = max(acked[partition], end)
                    ackCount += 1
                }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the producer finished before it could be killed")

        var expected = Array(repeating: [String](), count: partitions)
        for (number, line) in lines.enumerated() {
            expected[topic.partition(forKey: "c\(number % 101)")].append(line)
        }
        var options = PartitionLogOptions()
        options.warn = { _ in }
        let log = try EmbeddedLog(directory: folder.file("data")).open("t", access: options)
        var total = 0
        for partition in 0..<partitions {
            let records = try LogFixture.readAll(log.partitions[partition])
            #expect(records.map(\.offset) == Array(0..<Int64(records.count)))
            #expect(Int64(records.count) >= acked[partition])
            #expect(records.map(\.valueText) == Array(expected[partition].prefix(records.count)))
            total += records.count
        }
        #expect(total > 0 && total < lines.count)
    }
}
