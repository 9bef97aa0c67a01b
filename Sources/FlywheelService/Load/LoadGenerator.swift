import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// `flywheel loadgen`: posts request bodies to a service's `POST /v1/events` on a fixed schedule (one body of
/// `batch` events every `batch / rate` seconds) over `connections` keep-alive connections, retries what fails
/// (a refused connection, a timeout, 5xx, 408, 429) with exponential back-off and jitter until it is answered
/// 200, and measures the answers.
///
/// A retried request is the same body again: the service de-duplicates events by `event_id`, so what a killed
/// service had appended before it could answer is counted once. The ack log is written in order of the answers.
public enum LoadGenerator {
    /// Sends `bodies` (all of them, or those due within `options.seconds`) and reports.
    public static func run(
        _ options: LoadOptions, bodies: [LoadBody], progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> LoadReport {
        let ackLog = try options.ackLog.map { path throws(ServiceError) in try AckLog(path: path) }
        defer { ackLog?.close() }
        let watcher = options.dataDir.map { PairWatcher(data: $0) }
        let watching = watcher?.start()
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(options.timeoutSeconds))
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.connections)
        // A refused connection (the service is down) is an answer to back off from, not one to retry at once.
        pool.retryConnectionEstablishment = false
        configuration.connectionPool = pool
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let run = LoadRun(options: options, bodies: bodies, client: client, ackLog: ackLog, watcher: watcher)
        progress(
            "sending \(bodies.reduce(0) { $0 + $1.lines }) events in \(bodies.count) requests to \(run.endpoint) "
                + "(\(options.rate) events/s, \(options.connections) connections, at most \(options.seconds) s)")
        let outcome: Result<LoadReport, any Error>
        do {
            outcome = .success(try await run.drive())
        } catch {
            outcome = .failure(error)
        }
        try? await client.shutdown()
        var report = try outcome.get()
        if let watcher {
            // The last requests' pairs appear once the pipeline's watermark passes them: wait a little for them.
            try? await Task.sleep(for: .seconds(2))
            watcher.stop()
            while watching?.isFinished == false { try? await Task.sleep(for: .milliseconds(10)) }
            let (seen, delays) = watcher.results
            report.pairs = (seen, delays.sorted())
        }
        return report
    }
}

/// The state of one run, shared by its connection tasks.
private final class LoadRun: Sendable {
    let options: LoadOptions
    let bodies: [LoadBody]
    let client: HTTPClient
    let ackLog: AckLog?
    let watcher: PairWatcher?
    let endpoint: String
    private let next = Atomic<Int>(0)
    private let clock = ContinuousClock()

    init(options: LoadOptions, bodies: [LoadBody], client: HTTPClient, ackLog: AckLog?, watcher: PairWatcher?) {
        self.options = options
        self.bodies = bodies
        self.client = client
        self.ackLog = ackLog
        self.watcher = watcher
        var base = options.url
        while base.hasSuffix("/") { base.removeLast() }
        endpoint = base + "/v1/events"
    }

    /// What one connection task counted.
    struct Tally: Sendable {
        var sent = 0
        var acknowledged = 0
        var events = 0
        var accepted = 0
        var rejected = 0
        var givenUp = 0
        var retries = 0
        var behind = 0
        var errors: [String: Int] = [:]
        var latencies: [UInt64] = []
    }

    func drive() async throws -> LoadReport {
        let start = clock.now
        let end = start + .milliseconds(Int64(options.seconds * 1000))
        let interval = Duration.nanoseconds(Int64(1e9 * Double(options.batch) / Double(max(1, options.rate))))
        var total = Tally()
        await withTaskGroup(of: Tally.self) { group in
            for _ in 0..<options.connections {
                group.addTask { await self.connection(start: start, end: end, interval: interval) }
            }
            for await tally in group {
                total.sent += tally.sent
                total.acknowledged += tally.acknowledged
                total.events += tally.events
                total.accepted += tally.accepted
                total.rejected += tally.rejected
                total.givenUp += tally.givenUp
                total.retries += tally.retries
                total.behind += tally.behind
                total.errors.merge(tally.errors, uniquingKeysWith: +)
                total.latencies += tally.latencies
            }
        }
        var report = LoadReport(options: options, seconds: (clock.now - start) / .seconds(1))
        report.requestsSent = total.sent
        report.requestsAcknowledged = total.acknowledged
        report.eventsAcknowledged = total.events
        report.accepted = total.accepted
        report.rejected = total.rejected
        report.requestsGivenUp = total.givenUp
        report.retries = total.retries
        report.behindSchedule = total.behind
        report.errors = total.errors
        report.latencies = total.latencies.sorted()
        return report
    }

    /// One connection's loop: takes the next body due, waits for its time, sends it until answered.
    private func connection(
        start: ContinuousClock.Instant, end: ContinuousClock.Instant, interval: Duration
    ) async -> Tally {
        var tally = Tally()
        var random = SystemRandomNumberGenerator()
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < bodies.count else { break }
            let due = start + interval * index
            guard due < end else { break }
            let now = clock.now
            if due > now {
                try? await clock.sleep(until: due)
            } else if now - due > .milliseconds(10) {
                tally.behind += 1
            }
            tally.sent += 1
            await deliver(bodies[index], end: end, tally: &tally, random: &random)
        }
        return tally
    }

    /// Sends `body` until it is answered 200, a status not worth retrying, or retries run out.
    private func deliver(
        _ body: LoadBody, end: ContinuousClock.Instant, tally: inout Tally, random: inout SystemRandomNumberGenerator
    ) async {
        let first = clock.now
        let giveUp = max(end, first) + .milliseconds(Int64(options.retrySeconds * 1000))
        var attempt = 0
        while true {
            attempt += 1
            let sent = clock.now
            let outcome = await send(body)
            switch outcome {
            case .acknowledged(let accepted, let rejected):
                tally.latencies.append(UInt64((clock.now - sent).nanoseconds))
                tally.acknowledged += 1
                tally.events += body.lines
                tally.accepted += accepted
                tally.rejected += rejected
                ackLog?.write(body.eventIDs)
                watcher?.acknowledged(body.pairKeys, at: watcher?.now() ?? 0)
                return
            case .failed(let reason, let retryable):
                tally.errors[reason, default: 0] += 1
                guard retryable, clock.now < giveUp else {
                    tally.givenUp += 1
                    return
                }
                tally.retries += 1
                // Full jitter up to 10 ms * 2^attempt, at most 1 s.
                let bound = min(1_000, 10 << min(attempt, 7))
                try? await Task.sleep(for: .milliseconds(Int.random(in: 1...bound, using: &random)))
            }
        }
    }

    private enum Outcome {
        case acknowledged(accepted: Int, rejected: Int)
        case failed(String, retryable: Bool)
    }

    private func send(_ body: LoadBody) async -> Outcome {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        if let token = options.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: body.bytes))
        do {
            let response = try await client.execute(request, timeout: .seconds(options.timeoutSeconds))
            let answer = try await response.body.collect(upTo: 64 << 20)
            let status = Int(response.status.code)
            guard status == 200 else {
                return .failed(String(status), retryable: status >= 500 || status == 408 || status == 429)
            }
            let counts = try? JSONDecoder().decode(Accepted.self, from: Data(answer.readableBytesView))
            return .acknowledged(accepted: counts?.accepted ?? 0, rejected: counts?.rejected.count ?? 0)
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            return .failed("timeout", retryable: true)
        } catch {
            return .failed("connection", retryable: true)
        }
    }
}

/// The ack log: the `event_id` of every acknowledged event, one per line, appended in order of the answers.
final class AckLog: Sendable {
    private let handle: Mutex<FileHandle>

    init(path: String) throws(ServiceError) {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw ServiceError(.invalidOption, "--ack-log: cannot create '\(path)'")
        }
        self.handle = Mutex(handle)
    }

    func write(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        var text = ids.joined(separator: "\n")
        text.append("\n")
        handle.withLock { $0.write(Data(text.utf8)) }
    }

    func close() { handle.withLock { try? $0.close() } }
}
