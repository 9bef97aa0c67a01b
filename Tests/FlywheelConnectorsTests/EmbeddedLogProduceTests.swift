import FlywheelConnectors
import FlywheelTesting
import Foundation
import Testing

/// The producer's own input reader: lines across read boundaries, over-long lines, gzip members, bad gzip.
struct EmbeddedLogProduceTests {
    /// Produces `input` into a new one-partition topic and returns the summary and the values stored.
    static func produce(_ input: String, in folder: TemporaryFolder, maxRecordBytes: Int = 16 << 20) throws
        -> (TopicProduceSummary, [String])
    {
        let data = folder.file("data-\(UUID().uuidString)")
        try EmbeddedLog(directory: data).createTopic(Topic(name: "t", partitions: 1))
        var options = TopicProduceOptions(dataDirectory: data, topic: "t")
        options.inputPath = input
        options.maxRecordBytes = maxRecordBytes
        options.batchBytes = 64 << 10
        let summary = try TopicProduceJob.run(options)
        var access = PartitionLogOptions()
        access.readOnly = true
        let partition = try EmbeddedLog(directory: data).open("t", access: access).partitions[0]
        return (summary, try LogFixture.readAll(partition).map(\.valueText))
    }

    /// 40,000 lines of 40 to 100 bytes: about 3 MB, so lines cross the 1 MiB reads.
    static let lines = (0..<40_000).map { #"{"n": \#($0), "pad": "\#(String(repeating: "x", count: $0 % 61))"}"# }

    @Test func everyLineArrivesWholeAcrossReadsAndOverLongLinesAreCounted() throws {
        let folder = try TemporaryFolder("log-produce-lines")
        defer { folder.remove() }
        let input = try folder.write("in.jsonl", Self.lines.joined(separator: "\n"))
        let (summary, values) = try Self.produce(input, in: folder)
        #expect(values == Self.lines)
        #expect(summary.records == 40_000)

        let long = String(repeating: "y", count: 3 << 20)
        let mixed = try folder.write("mixed.jsonl", "a\n\(long)\nb\n\n\(long)")
        let (skipping, kept) = try Self.produce(mixed, in: folder, maxRecordBytes: 1 << 20)
        #expect(kept == ["a", "b"])
        #expect(skipping.oversizedLinesSkipped == 2)
        #expect(skipping.emptyLinesSkipped == 1)
    }

    @Test func gzipMembersAreReadAndATruncatedOrTrailedStreamIsAnError() throws {
        let folder = try TemporaryFolder("log-produce-gzip")
        defer { folder.remove() }
        let plain = try folder.write("in.jsonl", Self.lines.joined(separator: "\n") + "\n")
        let zipped = try gzipped(plain)
        let twice = folder.file("twice.gz")
        try (zipped + zipped).write(to: URL(fileURLWithPath: twice))
        let (_, values) = try Self.produce(twice, in: folder)
        #expect(values == Self.lines + Self.lines)

        let truncated = folder.file("truncated.gz")
        try zipped.prefix(zipped.count / 2).write(to: URL(fileURLWithPath: truncated))
        let cut = #expect(throws: LogError.self) { try Self.produce(truncated, in: folder) }
        #expect(
            cut?.message.contains("truncated.gz is truncated: its gzip data ends after") == true,
            "\(String(describing: cut))")

        let trailed = folder.file("trailed.gz")
        try (zipped + Data("garbage\n".utf8)).write(to: URL(fileURLWithPath: trailed))
        let trailing = #expect(throws: LogError.self) { try Self.produce(trailed, in: folder) }
        #expect(
            trailing?.message.contains("trailed.gz has data after the end of its gzip stream") == true,
            "\(String(describing: trailing))")
    }
}
