import DequeModule
import FlywheelConnectors
import FlywheelRuntime
import FlywheelSignals
import NIOCore
import Synchronization

/// Delivers records to one HTTP destination: batches of `spec.batch` records per request (a JSON Lines
/// body), up to `spec.maxInFlight` requests at once that may complete in any order, each retried with
/// back-off until it is delivered or dead-lettered, behind a rate limit and a circuit breaker.
///
/// - Ordering: without `orderedBy`, any worker takes the next request. With it, records are routed
///   by the field's value to one of `maxInFlight` lanes, each sending one request at a time, in order:
///   records of one key are never in flight together.
/// - Back-pressure: `submit` waits while `spec.maxPending` records are unsettled (waiting or in
///   flight); nothing is dropped, whatever the receiver does.
/// - Settlement: every record ends delivered (2xx) or in the dead-letter queue (another 4xx at once;
///   retries exhausted), and `onSettled` hears of it. `drain` returns when everything submitted
///   before it is settled and the dead letters are durable: a checkpoint completes only then.
/// - Keys: a request's `Idempotency-Key` is derived from its records (`keys`), so it is the same on
///   every retry and after a restart that forms the same request.
public final class Forwarder: Sendable {
    /// A request: its records and its key.
    struct Batch: Sendable {
        var items: [ForwardItem]
        var key: IdempotencyKey
        var submittedNanos: UInt64
    }

    private struct Lane {
        var open: [ForwardItem] = []
        var openSince: UInt64 = 0
        var ready: Deque<Batch> = []
        var idleWorkers: [CheckedContinuation<Batch?, Never>] = []
    }

    private struct State {
        var lanes: [Lane]
        var pending = 0
        var inFlight = 0
        var spaceWaiters: [CheckedContinuation<Void, Never>] = []
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        var closed = false
        var failure: ConnectorError?
        var nextLane = 0
        var breaker: CircuitBreaker
        var bucket: TokenBucket?
        var stats = ForwardStats()
        var latency = LatencyHistogram()
    }

    public let name: String
    public let spec: ForwardSpec
    private let keys: KeyDerivation
    private let delivery: HTTPDelivery
    private let deadLetters: any DeadLetterWriter
    private let clock: JobClock
    private let onSettled: (@Sendable ([ForwardItem], Settlement) -> Void)?
    private let orderField: [UInt8]?
    private let backoff: Backoff
    private let metrics: ForwardMetrics
    private let state: Mutex<State>
    private let workers = Mutex<[Task<Void, Never>]>([])

    /// `headers`: resolved header values (see `ForwardSpec.resolvedHeaders`). `onSettled` is called
    /// from delivery tasks, once per request, after its records are delivered or dead-lettered.
    public init(
        name: String, spec: ForwardSpec, headers: [(name: String, value: String)], keys: KeyDerivation,
        deadLetters: any DeadLetterWriter, clock: JobClock = .continuous,
        onSettled: (@Sendable ([ForwardItem], Settlement) -> Void)? = nil
    ) {
        self.name = name
        self.spec = spec
        self.keys = keys
        self.deadLetters = deadLetters
        self.clock = clock
        self.onSettled = onSettled
        orderField = spec.orderedBy.map { Array($0.utf8) }
        backoff = Backoff(spec.retry)
        metrics = ForwardMetrics(destination: name)
        let workerCount = max(1, spec.maxInFlight)
        delivery = HTTPDelivery(url: spec.url, headers: headers, timeoutMs: spec.timeoutMs, connections: workerCount)
        state = Mutex(
            State(
                lanes: Array(repeating: Lane(), count: spec.orderedBy == nil ? 1 : workerCount),
                breaker: CircuitBreaker(spec.breaker), bucket: spec.rate.map { TokenBucket(rate: $0) }))
        let tasks = (0..<workerCount).map { worker in
            let lane = spec.orderedBy == nil ? 0 : worker
            return Task { [self] in await work(lane: lane) }
        }
        workers.withLock { $0 = tasks }
    }

    deinit {
        workers.withLock { $0.forEach { $0.cancel() } }
        delivery.shutdownInBackground()
    }

    // MARK: - Taking records

    /// Takes records; waits (back-pressure) while `spec.maxPending` records are unsettled. Throws when
    /// the forwarder is closed or its dead-letter queue failed.
    public func submit(_ items: [ForwardItem]) async throws(ConnectorError) {
        guard !items.isEmpty else { return }
        let now = clock.nanos
        var handOffs: [(CheckedContinuation<Batch?, Never>, Batch)] = []
        try state.withLock { (state) throws(ConnectorError) in
            try Self.check(state)
            state.pending += items.count
            for item in items {
                let lane = lane(of: item, in: &state)
                if state.lanes[lane].open.isEmpty { state.lanes[lane].openSince = now }
                state.lanes[lane].open.append(item)
                if state.lanes[lane].open.count >= spec.batch {
                    if let handOff = seal(lane: lane, in: &state, now: now) { handOffs.append(handOff) }
                }
            }
            state.stats.pending = state.pending
        }
        metrics.pending.record(state.withLock { $0.pending })
        for (worker, batch) in handOffs { worker.resume(returning: batch) }
        while true {
            let full = state.withLock { $0.pending >= spec.maxPending && !$0.closed && $0.failure == nil }
            guard full else { break }
            // Partial requests would otherwise wait for a linger that this wait keeps from coming.
            await flush()
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waits = state.withLock { state in
                    guard state.pending >= spec.maxPending, !state.closed, state.failure == nil else { return false }
                    state.spaceWaiters.append(continuation)
                    return true
                }
                if !waits { continuation.resume() }
            }
        }
        try state.withLock { (state) throws(ConnectorError) in try Self.check(state) }
    }

    /// Sends the partial requests now (the linger passed, or a checkpoint is due).
    public func flush() async {
        let now = clock.nanos
        let handOffs = state.withLock { state in
            state.lanes.indices.compactMap { lane in
                state.lanes[lane].open.isEmpty ? nil : seal(lane: lane, in: &state, now: now)
            }
        }
        for (worker, batch) in handOffs { worker.resume(returning: batch) }
    }

    /// Milliseconds since the oldest record waiting in a partial request was taken (nil: none waits).
    public func oldestOpenAgeMs() -> Int64? {
        let now = clock.nanos
        return state.withLock { state in
            state.lanes.lazy.filter { !$0.open.isEmpty }.map { Int64(now &- $0.openSince) / 1_000_000 }.max()
        }
    }

    /// Returns when every record submitted before is settled and the dead letters are durable.
    public func drain() async throws(ConnectorError) {
        await flush()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waits = state.withLock { state in
                guard state.pending > 0 else { return false }
                state.drainWaiters.append(continuation)
                return true
            }
            if !waits { continuation.resume() }
        }
        try state.withLock { (state) throws(ConnectorError) in
            if let failure = state.failure { throw failure }
        }
        try deadLetters.sync()
    }

    /// Waits at most `limit` for every record submitted before to settle; true when they did (the dead
    /// letters are then durable). For a stop that should not wait for a receiver that is down.
    public func drain(within limit: Duration) async throws(ConnectorError) -> Bool {
        await flush()
        let deadline = clock.elapsed() + limit
        while state.withLock({ $0.pending > 0 && $0.failure == nil }) {
            guard clock.elapsed() < deadline else { return false }
            try? await clock.sleep(for: .milliseconds(10))
        }
        try state.withLock { (state) throws(ConnectorError) in
            if let failure = state.failure { throw failure }
        }
        try deadLetters.sync()
        return true
    }

    /// Stops the workers and the connection pool without waiting for what is pending (it is not
    /// settled: a restart sends it again).
    public func abandon() async {
        let idle = state.withLock { state in
            state.closed = true
            for lane in state.lanes.indices { state.lanes[lane].ready.removeAll() }
            let idle = state.lanes.flatMap(\.idleWorkers)
            for lane in state.lanes.indices { state.lanes[lane].idleWorkers = [] }
            return idle
        }
        idle.forEach { $0.resume(returning: nil) }
        workers.withLock { $0.forEach { $0.cancel() } }
        await delivery.shutdown()
    }

    /// Drains, then stops the workers and the connection pool. Idempotent.
    public func close() async throws(ConnectorError) {
        var drained: ConnectorError?
        do { try await drain() } catch { drained = error }
        let idle = state.withLock { state in
            state.closed = true
            let idle = state.lanes.flatMap(\.idleWorkers)
            for lane in state.lanes.indices { state.lanes[lane].idleWorkers = [] }
            return idle
        }
        idle.forEach { $0.resume(returning: nil) }
        for task in workers.withLock({ $0 }) { await task.value }
        await delivery.shutdown()
        if let drained { throw drained }
    }

    /// A snapshot of what it did so far.
    public var stats: ForwardStats {
        state.withLock { state in
            var stats = state.stats
            stats.pending = state.pending
            stats.inFlight = state.inFlight
            stats.breaker = state.breaker.state.description
            stats.breakerOpenings = state.breaker.openings
            stats.latencyP50Ms = state.latency.quantileMs(0.5)
            stats.latencyP99Ms = state.latency.quantileMs(0.99)
            return stats
        }
    }

    private static func check(_ state: State) throws(ConnectorError) {
        if let failure = state.failure { throw failure }
        if state.closed { throw ConnectorError(.writeFailed, "the forwarder is closed") }
    }

    private func lane(of item: ForwardItem, in state: inout State) -> Int {
        guard state.lanes.count > 1 else { return 0 }
        guard let orderField, let value = topLevelField(orderField, in: item.value) else {
            state.nextLane = (state.nextLane + 1) % state.lanes.count
            return state.nextLane
        }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in value { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return Int(hash % UInt64(state.lanes.count))
    }

    /// Turns the lane's open records into requests of at most `spec.batch`; hands the first to an idle
    /// worker of the lane if there is one (the caller resumes it outside the lock).
    private func seal(lane: Int, in state: inout State, now: UInt64) -> (CheckedContinuation<Batch?, Never>, Batch)? {
        let open = state.lanes[lane].open
        state.lanes[lane].open = []
        var start = 0
        while start < open.count {
            let end = min(start + spec.batch, open.count)
            let slice = open[start..<end]
            state.lanes[lane].ready.append(Batch(items: Array(slice), key: keys.key(of: slice), submittedNanos: now))
            start = end
        }
        guard !state.lanes[lane].idleWorkers.isEmpty, let batch = state.lanes[lane].ready.popFirst() else { return nil }
        return (state.lanes[lane].idleWorkers.removeLast(), batch)
    }

    // MARK: - Delivering

    private func work(lane: Int) async {
        while let batch = await next(lane: lane) {
            await deliver(batch)
        }
    }

    private func next(lane: Int) async -> Batch? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Batch?, Never>) in
            enum Next {
                case batch(Batch)
                case done
                case wait
            }
            let next = state.withLock { state -> Next in
                if let batch = state.lanes[lane].ready.popFirst() { return .batch(batch) }
                if state.closed { return .done }
                state.lanes[lane].idleWorkers.append(continuation)
                return .wait
            }
            switch next {
            case .batch(let batch): continuation.resume(returning: batch)
            case .done: continuation.resume(returning: nil)
            case .wait: break
            }
        }
    }

    private func deliver(_ batch: Batch) async {
        var body = ByteBuffer()
        body.reserveCapacity(batch.items.reduce(0) { $0 + $1.value.count + 1 })
        for item in batch.items {
            body.writeBytes(item.value)
            body.writeInteger(UInt8(ascii: "\n"))
        }
        let key = batch.key.description
        var attempt = 0
        while true {
            await waitForPermit()
            attempt += 1
            state.withLock { $0.inFlight += 1 }
            metrics.inFlight.record(state.withLock { $0.inFlight })
            let result = await delivery.send(body, key: key)
            let inFlight = state.withLock { state in
                state.inFlight -= 1
                return state.inFlight
            }
            metrics.inFlight.record(inFlight)
            switch result.classification {
            case .delivered:
                state.withLock { $0.breaker.succeeded() }
                metrics.breaker.record(0)
                settle(batch, .delivered, attempts: attempt, result: result)
                return
            case .rejected:
                // The destination is well: it judged the records.
                state.withLock { $0.breaker.succeeded() }
                settle(
                    batch, .deadLettered(status: result.status, error: result.reason(timeoutMs: spec.timeoutMs)),
                    attempts: attempt, result: result)
                return
            case .retryable:
                let now = clock.epochMillis()
                let breaker = state.withLock { state in
                    state.breaker.failed(nowMillis: now)
                    return state.breaker.state.gaugeValue
                }
                metrics.breaker.record(breaker)
                let reason = result.reason(timeoutMs: spec.timeoutMs)
                guard backoff.allowsAnother(after: attempt) else {
                    let error = "\(reason); gave up after \(attempt) attempt\(attempt == 1 ? "" : "s")"
                    settle(batch, .deadLettered(status: result.status, error: error), attempts: attempt, result: result)
                    return
                }
                state.withLock { $0.stats.retried += 1 }
                metrics.retried.increment()
                var retryAfter: Int64?
                if case .response(_, let header?, _) = result {
                    retryAfter = parseRetryAfter(header, nowEpochMillis: now)
                }
                let wait = backoff.delay(
                    afterAttempt: attempt, retryAfterMs: retryAfter, random: Double.random(in: 0..<1))
                try? await clock.sleep(for: .milliseconds(wait))
            }
        }
    }

    /// Waits until the breaker lets an attempt through and the rate limit has a token.
    private func waitForPermit() async {
        while true {
            let now = clock.epochMillis()
            let wait = state.withLock { state -> Int64 in
                let breakerWait = state.breaker.permit(nowMillis: now)
                if breakerWait > 0 { return breakerWait }
                guard state.bucket != nil else { return 0 }
                let rateWait = state.bucket!.take(nowMillis: now)
                if rateWait > 0, state.breaker.state == .halfOpen {
                    // Give the probe back: it did not go.
                    state.breaker = Self.releasingProbe(state.breaker)
                }
                return rateWait
            }
            if wait == 0 { return }
            try? await clock.sleep(for: .milliseconds(min(wait, 1_000)))
        }
    }

    private static func releasingProbe(_ breaker: CircuitBreaker) -> CircuitBreaker {
        var copy = breaker
        copy.releaseProbe()
        return copy
    }

    private func settle(_ batch: Batch, _ settlement: Settlement, attempts: Int, result: AttemptResult) {
        var failure: ConnectorError?
        if case .deadLettered(let status, let error) = settlement {
            let letters = batch.items.map {
                DeadLetter(
                    record: $0.value, status: status, error: error, attempts: attempts, response: result.responseBody)
            }
            do { try deadLetters.write(letters) } catch { failure = error }
        }
        let elapsedMicros = Int64((clock.nanos &- batch.submittedNanos) / 1000)
        if failure == nil { onSettled?(batch.items, settlement) }
        let count = batch.items.count
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.pending -= count
            if let failure, state.failure == nil { state.failure = failure }
            switch settlement {
            case .delivered:
                state.stats.delivered += count
                state.stats.requests += 1
            case .deadLettered:
                if failure == nil { state.stats.deadLettered += count }
            }
            state.latency.record(micros: elapsedMicros)
            var waiters: [CheckedContinuation<Void, Never>] = []
            if state.pending < spec.maxPending || state.failure != nil {
                waiters += state.spaceWaiters
                state.spaceWaiters = []
            }
            if state.pending == 0 {
                waiters += state.drainWaiters
                state.drainWaiters = []
            }
            return waiters
        }
        switch settlement {
        case .delivered:
            metrics.delivered.increment(by: count)
            metrics.requests.increment()
        case .deadLettered:
            metrics.deadLettered.increment(by: count)
        }
        metrics.latency.recordNanoseconds(Int64(elapsedMicros) * 1000)
        metrics.pending.record(state.withLock { $0.pending })
        waiters.forEach { $0.resume() }
    }
}

extension JobClock {
    /// Nanoseconds since the job started (monotonic).
    var nanos: UInt64 {
        let elapsed = elapsed().components
        return UInt64(max(0, elapsed.seconds)) * 1_000_000_000 + UInt64(max(0, elapsed.attoseconds) / 1_000_000_000)
    }
}
