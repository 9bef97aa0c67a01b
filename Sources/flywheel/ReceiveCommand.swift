import ArgumentParser
import FlywheelConnectors
import FlywheelForward
import Foundation

/// `flywheel receive`: a loopback HTTP receiver for trying the forward sink by hand and for benchmarks.
struct ReceiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive",
        abstract: "Run a small HTTP receiver that takes forwarded records and can fail on purpose.",
        discussion: """
            Listens on HOST:PORT and prints its URL on stdout. Every request (any method, any path) is \
            answered 200, except a share given by --fail-rate (spread evenly over the arrival order, so a \
            retry usually goes through), answered --status with an optional Retry-After. Every answer waits \
            --delay-ms. Each second with traffic, stderr shows the requests and records (body lines) so far \
            and per second. With --out, the lines of the requests answered 200 are appended to FILE.

            SIGINT or SIGTERM: print the totals and exit 0.

            Examples:
              flywheel receive --port 8080
              flywheel receive --port 8080 --fail-rate 0.2 --status 503 \\
                --retry-after 1 --out got.jsonl
              flywheel receive --port 8080 --status 400      # every request 400
            """)

    // Numbers are parsed unconditionally, so that "--port -1" reaches validation instead of reading as a flag.
    @Option(parsing: .unconditional, help: "Port to listen on (0: one the OS picks; the printed URL names it).")
    var port: Int = 8080

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(
        parsing: .unconditional,
        help: "Share of requests to fail, from 0 to 1 (default 0; 1 when --status is given alone).")
    var failRate: Double?

    @Option(parsing: .unconditional, help: "Status of the failed requests, 300 to 599 (default 503).")
    var status: Int?

    @Option(parsing: .unconditional, help: "Send Retry-After: N (seconds) with the failed requests.")
    var retryAfter: Int?

    @Option(parsing: .unconditional, help: "Delay every answer by N milliseconds.")
    var delayMs: Int = 0

    @Option(help: ArgumentHelp("Append the lines of the requests answered 200 to FILE.", valueName: "file"))
    var out: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535, got \(port)") }
        if let failRate, !(0...1).contains(failRate) {
            throw ValidationError("--fail-rate must be between 0 and 1 (a share of requests), got \(failRate)")
        }
        if let status, !(300...599).contains(status) {
            throw ValidationError("--status must be a failing HTTP status, 300 to 599, got \(status)")
        }
        if let retryAfter, !(0...86400).contains(retryAfter) {
            throw ValidationError("--retry-after must be 0 to 86400 seconds, got \(retryAfter)")
        }
        guard (0...600_000).contains(delayMs) else {
            throw ValidationError("--delay-ms must be 0 to 600000, got \(delayMs)")
        }
    }

    func run() async throws {
        let script = ReceiverScript(
            failRate: failRate ?? (status == nil ? 0 : 1), failStatus: status ?? 503, retryAfterSeconds: retryAfter,
            delayMs: delayMs)
        let appender: LineAppender?
        do {
            appender = try out.map { path throws(ReceiverError) in try LineAppender(path: path) }
        } catch {
            throw Self.fail("--out: \(error.message)")
        }
        let receiver: LoopbackReceiver
        do {
            receiver = try await LoopbackReceiver.start(host: host, port: port, recordsBodies: false) { request in
                let reply = script.reply(to: request)
                if let appender, case .status(200, _, _, _) = reply { appender.append(request.body) }
                return reply
            }
        } catch {
            throw Self.fail("cannot listen on \(host):\(port) (--host, --port): \(error)")
        }
        FileHandle.standardOutput.write(Data((receiver.url() + "\n").utf8))
        let stop = StopSignals()
        defer { stop.restore() }
        let failure = await ReceiverProgress.run(receiver: receiver, appender: appender, stop: stop)
        try await receiver.stop()
        FileHandle.standardError.write(Data("\(ReceiverProgress.totals(receiver.counters))\n".utf8))
        if let failure { throw Self.fail(failure) }
    }

    private static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }
}

/// The receive command's report loop: a line on stderr each second with traffic, until a stop is asked.
enum ReceiverProgress {
    /// Runs until `stop` fires or appending fails; returns the failure's message.
    static func run(receiver: LoopbackReceiver, appender: LineAppender?, stop: StopSignals) async -> String? {
        let clock = ContinuousClock()
        var last = receiver.counters
        var lastTime = clock.now
        while stop.stopSignal == nil {
            try? await Task.sleep(for: .milliseconds(100))
            do { try appender?.flush() } catch { return error.message }
            let now = clock.now
            guard now - lastTime >= .seconds(1) else { continue }
            let counters = receiver.counters
            if counters.requests != last.requests || counters.inProgress != last.inProgress {
                let seconds = (now - lastTime) / .seconds(1)
                FileHandle.standardError.write(Data((line(counters, since: last, seconds: seconds) + "\n").utf8))
            }
            (last, lastTime) = (counters, now)
        }
        do { try appender?.flush() } catch { return error.message }
        return nil
    }

    static func line(_ counters: LoopbackReceiver.Counters, since last: LoopbackReceiver.Counters, seconds: Double)
        -> String
    {
        let requestRate = Int((Double(counters.requests - last.requests) / seconds).rounded())
        let recordRate = Int((Double(counters.lines - last.lines) / seconds).rounded())
        return "requests \(counters.requests) (\(requestRate)/s)  records \(counters.lines) (\(recordRate)/s)  "
            + "accepted \(counters.accepted)  failed \(counters.rejected)  in progress \(counters.inProgress)  "
            + "connections \(counters.openConnections)"
    }

    static func totals(_ counters: LoopbackReceiver.Counters) -> String {
        "received \(counters.requests) requests, \(counters.lines) records (\(counters.bytes) bytes); "
            + "accepted \(counters.accepted) requests, \(counters.acceptedLines) records; failed \(counters.rejected); "
            + "repeated idempotency keys \(counters.duplicateKeys); malformed \(counters.malformed); "
            + "connections \(counters.connections)"
    }
}
