import ArgumentParser
import FlywheelConnectors
import Foundation

struct TopicConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print a topic's records, one value per line, from the start, the end or an offset.",
        discussion: """
            Without --partition every partition is read, in turn. The consumer only reads (it takes no lock), so \
            it can run while a producer writes; with --follow it keeps printing new records until interrupted. \
            An --offset before the oldest record retention kept starts at that record.

            A damaged record stops it with exit status 1 and a message naming the partition and offset, after \
            the records before it were printed. When retention deletes records before a lagging --follow has read \
            them, it says which offsets were skipped (on standard error) and goes on.

            Examples:
              flywheel topic consume events --partition 2 --offset 1000 \\
                --limit 10 --print-offset --data data/
              flywheel topic consume events --from-end --follow --print-key \\
                --data data/
            """)

    @Argument(help: "Topic name.")
    var name: String

    @Option(parsing: .unconditional, help: "Read only this partition (0 to P-1).")
    var partition: Int?

    @Flag(help: "Start at the oldest record (the default).")
    var fromBeginning = false

    @Option(parsing: .unconditional, help: "Start at this offset in each partition read.")
    var offset: Int64?

    @Flag(help: "Start at the end: print only records appended from now on (use with --follow).")
    var fromEnd = false

    @Flag(help: "Keep waiting for new records at the end.")
    var follow = false

    @Option(parsing: .unconditional, help: "Stop after N records.")
    var limit: Int?

    @Flag(help: "Print the key and a tab before each value ('null' without a key).")
    var printKey = false

    @Flag(help: "Print 'Partition:P<TAB>Offset:O<TAB>' before each value.")
    var printOffset = false

    @OptionGroup var data: DataFolderOption

    func validate() throws {
        guard [fromBeginning, offset != nil, fromEnd].filter({ $0 }).count <= 1 else {
            throw ValidationError("use only one of --from-beginning, --offset and --from-end")
        }
        if let offset, offset < 0 { throw ValidationError("--offset must not be negative, got \(offset)") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if let partition, partition < 0 { throw ValidationError("--partition must not be negative") }
    }

    func run() async throws {
        var options = TopicConsumeOptions(dataDirectory: data.path, topic: name)
        options.partition = partition
        options.start = fromEnd ? .end : offset.map { .offset($0) } ?? .beginning
        options.follow = follow
        options.limit = limit
        options.printKey = printKey
        options.printOffset = printOffset
        _ = try await TopicErrors.run(data: data.path) { () async throws(LogError) in
            try await TopicConsumeJob.run(options)
        }
    }
}
