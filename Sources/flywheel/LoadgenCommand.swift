import ArgumentParser
import FlywheelService
import FlywheelSignals
import Foundation

struct LoadgenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Drive a running flywheel serve with events at a steady rate and measure the answers.",
        discussion: """
            Posts requests of --batch events to URL/v1/events, one every batch/rate seconds, over --connections \
            keep-alive connections, for --duration (the bodies are built before the clock starts). Events come \
            from --events FILE (sent once, in order) or from flywheel generate's generator (realistic \
            conversations, so preference pairs appear; ids carry --seed, by default one taken from the clock, so \
            that runs against one data folder share no event). A request that fails (refused, timed out, 5xx, \
            408, 429) is sent again with exponential back-off and jitter until it is answered 200, for up to \
            --retry-for after the run: the service de-duplicates by event_id, so resending is safe.

            Reports sustained events/s (acknowledged events over the run's time), the answer latency p50/p99/max, \
            failed attempts by status, and with --data DIR (the service's data folder) the delay from a request's \
            answer to a preference pair completed by one of its events appearing in the topic \
            signals.preference_pair. --ack-log FILE gets the event_id of every acknowledged event.

            Examples:
              flywheel loadgen --url http://127.0.0.1:8080 --rate 100000 --batch 1000 --duration 30s --data data/
              flywheel loadgen --url http://127.0.0.1:8080 --rate 5000 --events events.jsonl --ack-log acked.txt
            """)

    @Option(help: "The service's base URL (requests go to URL/v1/events).")
    var url: String

    @Option(parsing: .unconditional, help: "Events per second to send.")
    var rate: Int

    @Option(parsing: .unconditional, help: "Events per request.")
    var batch: Int = 1000

    @Option(help: "How long to start requests, e.g. 30s, 2m.")
    var duration: String = "30s"

    @Option(parsing: .unconditional, help: "Concurrent keep-alive connections (requests in flight at most).")
    var connections: Int = 4

    @Option(help: "A JSON Lines file to send instead of generated events.")
    var events: String?

    @Option(help: "Seed of the generated events (default: from the clock).")
    var seed: UInt64?

    @Option(help: "Fraction of generated events followed by a malformed line (0-1; default 0.001).")
    var malformedRate: Double?

    @Option(help: "How much faster than the wall clock generated event time runs (default 1).")
    var eventTimeSpeed: Double = 1

    @Option(help: "Bearer token sent with every request.")
    var token: String?

    @Option(help: "Write the event_id of every acknowledged event to this file, one per line.")
    var ackLog: String?

    @Option(help: "The service's data folder: measure the ingest-to-preference-pair delay there.")
    var data: String?

    @Option(help: "How long to keep retrying a failed request after the run, e.g. 60s.")
    var retryFor: String = "60s"

    func validate() throws {
        guard rate >= 1 else { throw ValidationError("--rate must be at least 1 event/s, got \(rate)") }
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be 1 to 100000, got \(batch)") }
        guard (1...1024).contains(connections) else {
            throw ValidationError("--connections must be 1 to 1024, got \(connections)")
        }
        guard let millis = parseDuration(duration), millis > 0 else {
            throw ValidationError("--duration must be a duration such as 30s or 2m, got '\(duration)'")
        }
        guard parseDuration(retryFor) != nil else {
            throw ValidationError("--retry-for must be a duration such as 60s, got '\(retryFor)'")
        }
        guard eventTimeSpeed >= 1 && eventTimeSpeed <= 10_000 else {
            throw ValidationError("--event-time-speed must be from 1 to 10000, got \(eventTimeSpeed)")
        }
        if let malformedRate, !(0...1).contains(malformedRate) {
            throw ValidationError("--malformed-rate must be between 0 and 1, got \(malformedRate)")
        }
        guard let scheme = URL(string: url)?.scheme, scheme == "http" || scheme == "https" else {
            throw ValidationError("--url must be an http:// or https:// URL, got '\(url)'")
        }
        if events == nil && Double(rate) * Double(millis) / 1000 > 50_000_000 {
            throw ValidationError("--rate x --duration asks for more than 50,000,000 generated events: lower one")
        }
    }

    func run() async throws {
        var options = LoadOptions(url: url, rate: rate)
        options.batch = batch
        options.seconds = Double(parseDuration(duration) ?? 30_000) / 1000
        options.retrySeconds = Double(parseDuration(retryFor) ?? 60_000) / 1000
        options.connections = connections
        options.eventsFile = events
        options.token = token
        options.ackLog = ackLog
        options.dataDir = data
        options.seed = seed ?? UInt64(Date().timeIntervalSince1970 * 1000)
        options.malformedRate = malformedRate
        options.eventTimeSpeed = eventTimeSpeed
        let say: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("loadgen: \($0)\n".utf8)) }
        do {
            let bodies = try LoadFeed.bodies(for: options, progress: say)
            let report = try await LoadGenerator.run(options, bodies: bodies, progress: say)
            print(report.text)
            if report.requestsGivenUp > 0 { throw ExitCode(1) }
        } catch let error as ServiceError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(error.code == .invalidOption ? 64 : 1)
        }
    }
}
