import ArgumentParser
import FlywheelConnectors
import FlywheelForward
import FlywheelSignals
import Foundation

extension ForwardCommand {
    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "redrive",
            abstract: "Send dead-lettered records again, after a fix on the receiving side.",
            discussion: """
                Reads the dead-letter queue QUEUE (topic:NAME in --data, or a folder) as it is when the command \
                starts, and sends the record of each chosen letter to --to with the same delivery as `flywheel \
                forward` (batches, headers, retries, breaker). Letters come in queue order; --from, --status and \
                --limit choose them. Records that fail again go to --dlq, by default the queue read, after its \
                end: this run never reads them, and the report gives the --from at which the next run finds just \
                them. The queue is never rewritten. Lines that are not dead letters are reported with their \
                position, never sent.

                Each request's Idempotency-Key comes from its letters' places in the queue: running the same \
                redrive again (after an interruption) sends the same keys, so the receiver can drop what it took.

                Exit status: 0 when every chosen letter was delivered and every line read was a dead letter; 1 \
                otherwise (the report on standard error says what).

                Examples:
                  flywheel forward redrive topic:events.dlq --to http://127.0.0.1:9000/in --data data/
                  flywheel forward redrive topic:events.dlq --to http://127.0.0.1:9000/in --data data/ \\
                    --status 5xx --status none --from 0:1200 --limit 500
                  flywheel forward redrive alerts-dlq/ --to https://hooks.example.com/flywheel --data data/
                """)

        @Argument(help: "The dead-letter queue: topic:NAME (a topic of --data) or a folder's path.")
        var queue: String

        @Option(help: "The receiver's URL (http:// or https://).")
        var to: String

        @Option(help: "The embedded-log folder (the queue's topic, relative folders).")
        var data: String

        @Option(
            help: ArgumentHelp(
                "Start here: [PARTITION:]OFFSET in a topic, dead-letters-N.jsonl:LINE in a folder.",
                valueName: "position"))
        var from: String?

        @Option(
            name: .customLong("status"),
            help: ArgumentHelp(
                "Only letters with this status: 503, a class such as 5xx, or none (no response) (repeatable).",
                valueName: "status"))
        var statuses: [String] = []

        @Option(help: "Send at most this many letters.")
        var limit: Int?

        @OptionGroup var delivery: ForwardFlags

        @Flag(help: "Print nothing but errors, warnings and the report.")
        var quiet = false

        func run() async throws {
            let spec = try delivery.spec(url: to)
            let headers = try delivery.resolvedHeaders(spec)
            let selection = try CLIErrors.connector { () throws(ConnectorError) in
                try DeadLetterSelection.open(
                    queue: queue, dataDir: data, from: from, statuses: statuses, limit: limit)
            }
            let target = spec.deadLetters ?? selection.reader.target
            let deadLetters = try CLIErrors.connector { () throws(ConnectorError) in
                try Self.openDeadLetters(target, read: selection.reader.target, dataDir: data)
            }
            defer { deadLetters.close() }
            if !quiet {
                let text = "redriving \(selection.reader.name) to \(spec.url); failures to \(target.argument)\n"
                FileHandle.standardError.write(Data(text.utf8))
            }
            let forwarder = Forwarder(
                name: "redrive", spec: spec, headers: headers,
                keys: .position(topic: "redrive " + selection.reader.target.argument), deadLetters: deadLetters)
            try await CLIErrors.connector {
                while case let chosen = try selection.next(max: spec.batch), !chosen.isEmpty {
                    try await forwarder.submit(chosen.map(Self.item))
                }
                try await forwarder.close()
            }
            let stats = forwarder.stats
            let report = selection.report(delivered: stats.delivered, deadLetteredAgain: stats.deadLettered)
            FileHandle.standardError.write(Data((report + "\n").utf8))
            if stats.deadLettered > 0 || selection.badLines > 0 { throw ExitCode(1) }
        }

        /// A chosen letter as the forwarder takes it: the record, and its place in the queue (for the keys).
        static func item(_ chosen: DeadLetterSelection.Chosen) -> ForwardItem {
            switch chosen.position {
            case .topic(let partition, let offset):
                ForwardItem(value: chosen.letter.record, partition: Int32(partition), position: offset)
            case .file(let number, let line):
                ForwardItem(value: chosen.letter.record, partition: Int32(clamping: number), position: line)
            }
        }

        /// Opens the queue failures go to; a topic that another process writes (a forwarder still running on
        /// it) is refused with what to do.
        static func openDeadLetters(
            _ target: ForwardSpec.DeadLetters, read: ForwardSpec.DeadLetters, dataDir: String
        ) throws(ConnectorError) -> any DeadLetterWriter {
            do throws(ConnectorError) {
                return try target.openWriter(dataDir: dataDir)
            } catch  where error.code == .partitionLocked {
                let what = target == read ? "the queue it reads" : "it"
                throw ConnectorError(
                    .partitionLocked,
                    "\(error.message): the redrive appends the records that fail again to \(what); stop that "
                        + "forwarder first, or pass --dlq with another queue", cause: error)
            }
        }
    }
}
