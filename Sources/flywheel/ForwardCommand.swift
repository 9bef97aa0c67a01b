import ArgumentParser
import FlywheelConnectors
import FlywheelForward
import FlywheelRuntime
import FlywheelSignals
import Foundation

struct ForwardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Push a topic's records to an HTTP service, with retries, a dead-letter queue and safe commits.",
        discussion: """
            Reads every partition of an embedded-log topic and POSTs its records in JSON Lines requests (one record \
            value per line) to --to, up to --max-in-flight requests at once. Each request carries an \
            Idempotency-Key derived from its records' positions: the same on every retry and after a restart, so \
            the receiver can drop a request it already took.

            Delivery is at least once. 2xx: delivered. 5xx, 408, 429, timeouts and connection errors: retried with \
            exponential back-off and jitter (Retry-After is honoured), up to --max-attempts. Any other status: \
            the records go to the dead-letter queue at once, with the status, the error, the attempts and the \
            response body (cut at 1 KiB); so do records whose retries ran out. The dead-letter queue is the \
            topic TOPIC.dlq in DIR unless --dlq says otherwise. After --breaker-failures failed attempts in a \
            row the destination's circuit breaker opens: nothing is sent until --breaker-cooldown passed, then \
            one probe; records wait meanwhile (at most --max-pending), and reading the topic waits with them.

            Requests complete in any order; the position committed in DIR/forward/NAME.json (every \
            --checkpoint-interval, and at the end) moves only past records delivered or dead-lettered. SIGINT or \
            SIGTERM: give what is in flight up to --timeout to settle, commit what settled, exit 0 (a second \
            signal exits at once); what did not settle is sent again on the next start.

            Examples:
              flywheel forward --from topic:signals.preference_pair --to http://127.0.0.1:9000/pairs \\
                --data data/ --batch 500 --header 'Authorization: Bearer ${env:TRAINER_TOKEN}'
              flywheel forward --from topic:alerts --to https://hooks.example.com/flywheel --data data/ \\
                --batch 1 --ordered-by model --dlq alerts-dlq/
              flywheel topic consume alerts.dlq --data data/        # what could not be delivered
              flywheel forward redrive topic:alerts.dlq --to https://hooks.example.com/flywheel --data data/
            """,
        subcommands: [Run.self, Redrive.self],
        defaultSubcommand: Run.self)

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Forward a topic (the default: `flywheel forward --from ...`).")

        @Option(
            help: """
                What to forward: topic:NAME (an embedded-log topic in --data) or kafka://HOST:PORT[,HOST:PORT]/TOPIC \
                (needs a flywheel built with Kafka support).
                """)
        var from: String

        @Option(help: "With kafka://: also commit the positions to this consumer group (for flywheel kafka lag).")
        var group: String?

        @Option(
            name: .customLong("property"), parsing: .singleValue,
            help: ArgumentHelp("With kafka://: a librdkafka property, key=value (repeatable).", valueName: "key=value"))
        var properties: [String] = []

        @Option(help: "The receiver's URL (http:// or https://).")
        var to: String

        @Option(help: "The embedded-log folder: the topic, the positions (DIR/forward/NAME.json), the dead letters.")
        var data: String

        @Option(help: "The forwarder's name; its positions are DIR/forward/NAME.json (default: the topic's name).")
        var name: String?

        @Option(help: "Where a first run starts: earliest or latest (later runs resume where the last one settled).")
        var start: String = "earliest"

        @OptionGroup var delivery: ForwardFlags

        @Option(help: "Time between two commits of the positions.")
        var checkpointInterval: String = "5s"

        @Flag(help: "Stop once every record the topic holds is settled (for scripts; else it follows the topic).")
        var exitAtEnd = false

        @Flag(help: "Print nothing but errors and warnings.")
        var quiet = false

        func run() async throws {
            let source = try ForwardSource(from)
            let topic = source.topic
            let spec = try delivery.spec(url: to)
            guard let interval = parseDuration(checkpointInterval), interval > 0 else {
                throw ValidationError(
                    "--checkpoint-interval must be a duration such as 5s or 500ms, got \"\(checkpointInterval)\"")
            }
            guard let startAt = ForwardJobOptions.Start(rawValue: start) else {
                throw ValidationError("--start must be earliest or latest, got \"\(start)\"")
            }
            var options = ForwardJobOptions(dataDir: data, topic: topic, spec: spec)
            if let name { options.name = name }
            options.headers = try delivery.resolvedHeaders(spec)
            options.lingerMs = try delivery.lingerMs()
            options.start = startAt
            options.checkpointIntervalMs = interval
            options.exitAtEnd = exitAtEnd
            options.warn = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
            let stop = StopSignals()
            options.stop = stop
            defer { stop.restore() }
            if !quiet {
                options.progress = { progress in
                    let line =
                        "\(progress.read) read, lag \(progress.lag); \(progress.stats.summary)\n"
                    FileHandle.standardError.write(Data(line.utf8))
                }
                let dlq =
                    switch options.deadLetterTarget {
                    case .topic(let name): "topic \(name)"
                    case .folder(let path): "folder \(path)"
                    }
                let text =
                    "forwarding topic \(topic) to \(spec.url); positions in \(options.positionsPath); dead letters "
                    + "to \(dlq); SIGINT or SIGTERM stops\n"
                FileHandle.standardError.write(Data(text.utf8))
            }
            let progress = try await CLIErrors.connector(stop: nil) {
                switch source {
                case .embedded:
                    return try await ForwardJob.run(options)
                case .kafka(let bootstrap, let topic):
                    let input = try kafkaInput(bootstrap: bootstrap, topic: topic)
                    defer { input.close() }
                    return try await ForwardJob.run(options, input: input)
                }
            }
            if !quiet {
                let text = "forwarded: \(progress.stats.summary); positions \(progress.committed)\n"
                FileHandle.standardError.write(Data(text.utf8))
            }
        }
    }
}

extension ForwardCommand.Run {
    /// Where `--from` points.
    enum ForwardSource {
        case embedded(topic: String)
        case kafka(bootstrap: String, topic: String)

        var topic: String {
            switch self {
            case .embedded(let topic), .kafka(_, let topic): topic
            }
        }

        init(_ text: String) throws {
            if text.hasPrefix("topic:"), text.count > "topic:".count {
                self = .embedded(topic: String(text.dropFirst("topic:".count)))
                return
            }
            if text.hasPrefix("kafka://") {
                let (bootstrap, topic) = try SourceFlags.kafkaAddress(text, flag: "--from")
                self = .kafka(bootstrap: bootstrap, topic: topic)
                return
            }
            throw ValidationError(
                "--from must be topic:NAME (an embedded-log topic in --data) or kafka://HOST:PORT/TOPIC, got \"\(text)\""
            )
        }
    }

    func kafkaInput(bootstrap: String, topic: String) throws -> any ForwardInput {
        #if canImport(FlywheelKafka)
            var settings: [String: String] = [:]
            for property in properties {
                guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                    throw ValidationError("--property must be key=value, got \"\(property)\"")
                }
                settings[String(property[..<equals])] = String(property[property.index(after: equals)...])
            }
            return try KafkaForwardInput(bootstrap: bootstrap, topic: topic, group: group, properties: settings)
        #else
            throw ValidationError(
                "this flywheel was built without Kafka support: apt install librdkafka-dev, then rebuild")
        #endif
    }
}

/// The delivery flags shared by `forward` and `forward redrive`: everything a `forward` sink takes in a
/// pipeline file, as flags.
struct ForwardFlags: ParsableArguments {
    @Option(help: "Records per request (a JSON Lines body).")
    var batch: Int = ForwardSpec.defaultBatch

    @Option(help: "How long a partial request may wait for more records.")
    var linger: String = "100ms"

    @Option(help: "Requests in flight at once (they may complete in any order).")
    var maxInFlight: Int = ForwardSpec.defaultMaxInFlight

    @Option(help: "Time allowed for one attempt, to the whole response.")
    var timeout: String = "10s"

    @Option(help: "Requests per second at most (default: no limit).")
    var rate: Double?

    @Option(help: "Attempts per request, the first included, before its records are dead-lettered.")
    var maxAttempts: Int = ForwardSpec.Retry().maxAttempts

    @Option(help: "Back-off before the second attempt (it doubles each time, with jitter).")
    var backoffBase: String = "100ms"

    @Option(help: "Longest back-off between two attempts (also caps Retry-After).")
    var backoffCap: String = "30s"

    @Option(help: "Failed attempts in a row that open the circuit breaker.")
    var breakerFailures: Int = ForwardSpec.Breaker().failures

    @Option(help: "How long the breaker stays open before it lets one probe through.")
    var breakerCooldown: String = "5s"

    @Option(help: "Records waiting or in flight at most; beyond it, reading waits.")
    var maxPending: Int = ForwardSpec.defaultMaxPending

    @Option(
        help:
            "A top-level field (e.g. conversation_id): records with the same value are delivered in order, one request at a time."
    )
    var orderedBy: String?

    @Option(help: "Dead-letter queue: topic:NAME (in --data) or a folder's path (default: topic TOPIC.dlq).")
    var dlq: String?

    @Option(
        name: .customLong("header"),
        help: ArgumentHelp(
            "A header for every request, 'Name: value'; ${env:VAR} and ${file:PATH} in the value are replaced (repeatable).",
            valueName: "header"))
    var headers: [String] = []

    func lingerMs() throws -> Int64 { try duration(linger, flag: "--linger") }

    private func duration(_ text: String, flag: String) throws -> Int64 {
        guard let millis = parseDuration(text), millis > 0 else {
            throw ValidationError("\(flag) must be a positive duration such as 100ms, 5s or 1m, got \"\(text)\"")
        }
        return millis
    }

    /// The delivery settings these flags describe, checked as the pipeline file's `forward` sink is.
    func spec(url: String) throws -> ForwardSpec {
        if let problem = ForwardSpec.urlProblem(url) { throw ValidationError("--to: \(problem)") }
        let ranges: [(String, Int, ClosedRange<Int>)] = [
            ("--batch", batch, ForwardSpec.batchRange), ("--max-in-flight", maxInFlight, ForwardSpec.maxInFlightRange),
            ("--max-attempts", maxAttempts, ForwardSpec.maxAttemptsRange),
            ("--breaker-failures", breakerFailures, ForwardSpec.breakerFailuresRange),
        ]
        for (flag, value, range) in ranges where !range.contains(value) {
            throw ValidationError("\(flag) must be \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        guard maxPending >= batch else {
            throw ValidationError("--max-pending (\(maxPending)) must be at least --batch (\(batch))")
        }
        if let rate, !(rate > 0) { throw ValidationError("--rate must be a positive number of requests per second") }
        let base = try duration(backoffBase, flag: "--backoff-base")
        let cap = try duration(backoffCap, flag: "--backoff-cap")
        guard cap >= base else {
            throw ValidationError("--backoff-cap (\(backoffCap)) must be at least --backoff-base (\(backoffBase))")
        }
        var spec = ForwardSpec(
            url: url, batch: batch, maxInFlight: maxInFlight, timeoutMs: try duration(timeout, flag: "--timeout"),
            rate: rate, retry: ForwardSpec.Retry(maxAttempts: maxAttempts, baseMs: base, capMs: cap),
            breaker: ForwardSpec.Breaker(
                failures: breakerFailures, cooldownMs: try duration(breakerCooldown, flag: "--breaker-cooldown")),
            orderedBy: orderedBy, maxPending: maxPending)
        if let orderedBy, orderedBy.isEmpty { throw ValidationError("--ordered-by needs a field name") }
        if let dlq {
            do {
                spec.deadLetters = try ForwardSpec.DeadLetters.parse(argument: dlq, flag: "--dlq")
            } catch {
                throw ValidationError(error.message)
            }
        }
        for header in headers {
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex else {
                throw ValidationError("--header must be 'Name: value', got \"\(header)\"")
            }
            let name = header[..<colon].trimmingCharacters(in: .whitespaces)
            let value = header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if let problem = ForwardSpec.Header.nameProblem(name) ?? ForwardSpec.Header.templateProblem(value) {
                throw ValidationError("--header \(name): \(problem)")
            }
            spec.headers.append(ForwardSpec.Header(name: name, template: value))
        }
        return spec
    }

    /// The headers with their placeholders replaced (environment; files relative to the working folder).
    func resolvedHeaders(_ spec: ForwardSpec) throws -> [(name: String, value: String)] {
        do {
            return try spec.resolvedHeaders(environment: ProcessInfo.processInfo.environment) { path in
                try String(contentsOfFile: path, encoding: .utf8)
            }
        } catch {
            throw ValidationError("--header: \(error)")
        }
    }
}
