import ArgumentParser
import FlywheelConnectors
import FlywheelSignals
import Foundation

struct TopicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topic",
        abstract: "Create, inspect, write and read topics of the embedded log (a data folder, no broker).",
        discussion: """
            A topic is a folder in the data folder with P partitions; each partition is an append-only \
            sequence of records (key, value, timestamp) at offsets 0, 1, 2, ... stored in segment files with a \
            checksum per record. See "Embedded log (topics)" in README.md for the layout and record format.

            Examples:
              flywheel topic create events --partitions 4 --retention 7d --data data/
              flywheel generate --conversations 1000 --out - | \\
                flywheel topic produce events --key-field conversation_id \\
                --data data/
              flywheel topic describe events --data data/
              flywheel topic consume events --partition 0 --limit 5 --data data/
            """,
        subcommands: [
            TopicCreateCommand.self, TopicListCommand.self, TopicDescribeCommand.self, TopicProduceCommand.self,
            TopicConsumeCommand.self, TopicDeleteCommand.self, TopicRepairCommand.self, TopicBenchCommand.self,
        ]
    )
}

/// The `--data DIR` option every topic command takes.
struct DataFolderOption: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp("The data folder holding the topics.", valueName: "dir"))
    var path: String
}

/// Prints log errors with a hint and maps them to exit codes (64 for a bad argument, 1 otherwise).
enum TopicErrors {
    /// `repairHint`: a damaged partition is named with the command that cuts it (for the producer, which refuses it).
    static func run<T>(data: String, repairHint: Bool = false, _ body: () async throws(LogError) -> T) async throws
        -> T
    {
        do {
            return try await body()
        } catch {
            var message = "error: \(error.message)"
            if error.code == .topicNotFound, let name = error.message.split(separator: "'").dropFirst().first {
                message += "; create it with: flywheel topic create \(name) --partitions 4 --data \(data)"
            }
            if repairHint, error.code == .corrupt, let damage = error.cause as? LogDamage, let topic = damage.topic,
                let partition = damage.partition
            {
                message +=
                    "; to drop the damaged record and every later one so that appends can go on (their offsets are "
                    + "then reused), run: flywheel topic repair \(topic) --partition \(partition) --data \(data)"
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            throw ExitCode(error.code == .invalidArgument ? 64 : 1)
        }
    }
}

struct TopicCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a topic with P partitions.",
        discussion: """
            Retention deletes whole old segments of a partition: while the partition is larger than \
            --retention-bytes, or when a segment's newest record is older than --retention. The segment being \
            written is never deleted.

            Example:
              flywheel topic create events --partitions 4 \\
                --retention-bytes 1GiB --retention 7d --data data/
            """)

    @Argument(help: "Topic name: 1 to 200 of A-Z a-z 0-9 . _ - (not starting with a dot).")
    var name: String

    @Option(
        parsing: .unconditional,
        help: "Number of partitions (1 to 10000); records are routed to one by their key's hash.")
    var partitions: Int = 1

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Keep at most this much data per partition, e.g. 512MiB, 1GiB.", valueName: "size"))
    var retentionBytes: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Delete segments whose newest record is older than this, e.g. 12h, 7d.", valueName: "age"))
    var retention: String?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Roll to a new segment file at this size (1KiB to 4GiB).", valueName: "size"))
    var segmentBytes: String = "64MiB"

    @OptionGroup var data: DataFolderOption

    func topic() throws -> Topic {
        guard let segment = parseSize(segmentBytes) else {
            throw ValidationError("--segment-bytes: bad size '\(segmentBytes)': use e.g. 64MiB, 1GiB")
        }
        var topic = Topic(name: name, partitions: partitions, segmentBytes: segment)
        if let retentionBytes {
            guard let bytes = parseSize(retentionBytes) else {
                throw ValidationError("--retention-bytes: bad size '\(retentionBytes)': use e.g. 512MiB, 1GiB")
            }
            topic.retentionBytes = bytes
        }
        if let retention {
            guard let millis = parseDuration(retention), millis > 0 else {
                throw ValidationError("--retention: bad duration '\(retention)': use e.g. 30m, 12h, 7d")
            }
            topic.retentionMillis = millis
        }
        do throws(LogError) {
            try topic.validate(label: Self.flag)
        } catch {
            throw ValidationError(error.message)
        }
        return topic
    }

    /// The flag that sets `setting`, for messages.
    static func flag(_ setting: TopicSetting) -> String {
        switch setting {
        case .partitions: "--partitions"
        case .segmentBytes: "--segment-bytes"
        case .retentionBytes: "--retention-bytes"
        case .retentionMillis: "--retention"
        case .indexIntervalBytes, .createdMillis: setting.key
        }
    }

    func validate() throws { _ = try topic() }

    func run() async throws {
        let topic = try topic()
        let created = try await TopicErrors.run(data: data.path) { () throws(LogError) in
            try EmbeddedLog(directory: data.path).createTopic(topic)
        }
        print("created topic '\(created.name)' with \(created.partitions) partitions in \(data.path)")
    }
}

struct TopicListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the topics with their partitions, records and bytes.",
        discussion: """
            A topic that cannot be read (a bad topic.json) is reported on standard error after the list of the \
            others, and the exit status is then 1.

            Example:
              flywheel topic list --data data/
            """)

    @OptionGroup var data: DataFolderOption

    func run() async throws {
        let (text, problems) = TopicReport.list(EmbeddedLog(directory: data.path))
        print(text)
        guard !problems.isEmpty else { return }
        FileHandle.standardError.write(Data(problems.map { "error: \($0)\n" }.joined().utf8))
        throw ExitCode(1)
    }
}

struct TopicDescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a topic's settings and, per partition, start and end offsets, records, segments and bytes.",
        discussion: """
            START is the oldest offset retention kept; END (the high watermark) is the next offset to write.

            Example:
              flywheel topic describe events --data data/
            """)

    @Argument(help: "Topic name.")
    var name: String

    @OptionGroup var data: DataFolderOption

    func run() async throws {
        let text = try await TopicErrors.run(data: data.path) { () throws(LogError) in
            try TopicReport.describe(EmbeddedLog(directory: data.path), topic: name)
        }
        print(text)
    }
}

struct TopicDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a topic and all its data (refused while a producer writes to it).",
        discussion: """
            Example:
              flywheel topic delete events --data data/
            """)

    @Argument(help: "Topic name.")
    var name: String

    @OptionGroup var data: DataFolderOption

    func run() async throws {
        try await TopicErrors.run(data: data.path) { () throws(LogError) in
            try EmbeddedLog(directory: data.path).deleteTopic(named: name)
        }
        print("deleted topic '\(name)' from \(data.path)")
    }
}
