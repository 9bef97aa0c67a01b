import ServiceLifecycle
import Synchronization

/// Wakes the open signal streams: when a newer checkpoint commits records (it looks every `pollInterval`
/// with a listing of the checkpoint folder; the newest checkpoint is read only when it is new), and every
/// `tick` so that idle streams can send their heartbeat. A graceful shutdown ends every stream, so that the
/// HTTP server, which waits for its requests to finish, is not held by them: it is placed after the server
/// in the service group, so it is told first.
final class SignalWatcher: Service, Sendable {
    private struct State {
        var subscribers: [Int: AsyncStream<Void>.Continuation] = [:]
        var nextID = 0
        var closed = false
    }

    let log: SignalLog
    let pollInterval: Duration
    let tick: Duration
    private let state = Mutex(State())

    init(log: SignalLog, pollInterval: Duration = .milliseconds(100), tick: Duration = .seconds(1)) {
        self.log = log
        self.pollInterval = pollInterval
        self.tick = tick
    }

    /// A subscription: its wake-ups (one waits at most), and its id to cancel it. Finished at once when the
    /// service is shutting down.
    func subscribe() -> (id: Int, wakes: AsyncStream<Void>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int? in
            guard !state.closed else { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return (0, stream)
        }
        return (id, stream)
    }

    func unsubscribe(_ id: Int) {
        state.withLock { $0.subscribers.removeValue(forKey: id) }?.finish()
    }

    /// The number of open streams.
    var subscribers: Int { state.withLock { $0.subscribers.count } }

    func run() async throws {
        await withGracefulShutdownHandler {
            var version = log.refresh()
            var lastTick = ContinuousClock.now
            while !Task.isCancelled && !isClosed {
                try? await Task.sleep(for: pollInterval)
                let now = ContinuousClock.now
                let newer = log.refresh()
                if newer != version || now - lastTick >= tick {
                    version = newer
                    lastTick = now
                    wakeAll()
                }
            }
        } onGracefulShutdown: {
            self.close()
        }
        close()
    }

    private var isClosed: Bool { state.withLock { $0.closed } }

    private func wakeAll() {
        for continuation in state.withLock({ Array($0.subscribers.values) }) { continuation.yield() }
    }

    /// Ends every stream and refuses new ones.
    func close() {
        let continuations = state.withLock { state in
            state.closed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
