import ArgumentParser
import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import Foundation

struct TopicProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Append the lines of standard input (or a file) to a topic, one record per line.",
        discussion: """
            Any non-empty line is a record; its bytes are the value, unchanged. With --key-field, a line that is \
            a JSON object with that top-level field (a string, an integer or a boolean) gets it as key and goes \
            to partition FNV-1a-64(key) mod P, so one key always lands in one partition, in order. Other lines \
            have no key and go round robin. Records are appended per partition in batches of about \
            --batch-bytes, or sooner when the first line waiting in a batch was read --linger ago (so lines from a \
            slow pipe are appended as they come); an acknowledged batch (see --print-acks) survives a crash of \
            the process and, with --fsync every-batch (the default), of the machine.

            On SIGINT or SIGTERM it stops reading, appends every line already read, prints the summary and exits \
            with 130 (SIGINT) or 143 (SIGTERM); at the end of the input it exits with 0.

            Example:
              flywheel topic produce events --key-field conversation_id \\
                --data data/ < events.jsonl
            """)

    @Argument(help: "Topic name.")
    var name: String

    @Option(help: "Top-level JSON field whose value is the record key, e.g. conversation_id.")
    var keyField: String?

    @Option(name: .shortAndLong, help: "Read this file instead of standard input (gzip is read transparently).")
    var input: String = "-"

    // Values are parsed unconditionally, so that "--linger -5" is a bad value instead of a missing one.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Append a partition's batch when it reaches this size.", valueName: "size"))
    var batchBytes: String = "1MiB"

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "When to flush to disk: every-batch (nothing acknowledged is lost), a duration such as 1s (at most "
                + "that much lost on power failure) or never (left to the kernel).", valueName: "policy"))
    var fsync: String = "every-batch"

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Append a batch at the latest this long after its first line was read, e.g. 100ms, 1s; 0 appends what "
                + "each read gave.", valueName: "duration"))
    var linger: String = "100ms"

    @Flag(help: "After each append print 'ack PARTITION END' (END: offset after the acknowledged records).")
    var printAcks = false

    @Flag(help: "Print no summary.")
    var quiet = false

    @OptionGroup var data: DataFolderOption

    func options() throws -> TopicProduceOptions {
        var options = TopicProduceOptions(dataDirectory: data.path, topic: name)
        options.inputPath = input
        options.keyField = keyField
        guard let bytes = parseSize(batchBytes), bytes >= 1 else {
            throw ValidationError("--batch-bytes: bad size '\(batchBytes)': use e.g. 256KiB, 1MiB")
        }
        options.batchBytes = bytes
        options.fsync = try FsyncArgument.parse(fsync)
        guard let millis = parseDuration(linger), millis <= 3_600_000 else {
            throw ValidationError("--linger: bad duration '\(linger)': use e.g. 0, 100ms, 1s (at most 1h)")
        }
        options.linger = .milliseconds(millis)
        return options
    }

    func validate() throws { _ = try options() }

    func run() async throws {
        let options = try options()
        let acks: ((Int, Int64) -> Void)? =
            printAcks ? { FileHandle.standardOutput.write(Data("ack \($0) \($1)\n".utf8)) } : nil
        let stop = StopSignals()
        defer { stop.restore() }
        let summary = try await TopicErrors.run(data: data.path, repairHint: true) { () throws(LogError) in
            try TopicProduceJob.run(options, stop: stop, onAck: acks)
        }
        if !quiet { print(summary.text(topic: name)) }
        if let signal = summary.stoppedBy, signal > 0 {
            let message =
                "interrupted by \(StopSignal.name(of: signal)): appended the \(summary.records) records read before it"
                + summary.unfinishedLineText
            FileHandle.standardError.write(Data((message + "\n").utf8))
            throw ExitCode(128 + signal)
        }
    }
}

/// The `--fsync` value: `every-batch`, `never` or a duration such as `1s`.
enum FsyncArgument {
    static func parse(_ text: String) throws -> FsyncPolicy {
        switch text {
        case "every-batch": return .everyBatch
        case "never": return .never
        default:
            guard let millis = parseDuration(text), millis > 0 else {
                throw ValidationError("--fsync: expected every-batch, never or a duration such as 1s, got '\(text)'")
            }
            return .interval(.milliseconds(millis))
        }
    }
}
