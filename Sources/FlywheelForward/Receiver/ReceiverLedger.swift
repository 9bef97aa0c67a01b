import NIOCore
import Synchronization

extension LoopbackReceiver {
    /// What a receiver has seen since it started. A request is in progress from the moment its end is
    /// read until it is answered, reset, or its connection closes.
    public struct Counters: Sendable, Equatable {
        /// Requests read to their end.
        public var requests = 0
        /// Requests answered 2xx.
        public var accepted = 0
        /// Requests answered with another status.
        public var rejected = 0
        /// Requests answered with a connection reset.
        public var resets = 0
        /// Requests whose connection closed before their answer (hangs, delays the client gave up on).
        public var abandoned = 0
        /// Malformed requests (answered 400) and bodies over the limit (answered 413).
        public var malformed = 0
        /// Body lines of every request, and of the accepted ones.
        public var lines = 0
        public var acceptedLines = 0
        /// Body bytes of every request.
        public var bytes = 0
        /// Accepted requests with an `Idempotency-Key` that an earlier accepted request carried.
        public var duplicateKeys = 0
        /// Distinct `Idempotency-Key`s among accepted requests.
        public var distinctKeys = 0
        /// Connections accepted, and those open now.
        public var connections = 0
        public var openConnections = 0
        /// Requests in progress now, and the most at any one time.
        public var inProgress = 0
        public var maxConcurrent = 0

        public init() {}
    }
}

/// The receiver's shared bookkeeping: behaviour, history, counters, open connections. Every method takes
/// the lock once; the behaviour is called outside it.
final class ReceiverLedger: Sendable {
    private struct State {
        var behaviour: LoopbackReceiver.Behaviour
        var requests: [LoopbackReceiver.Request] = []
        var accepted: [LoopbackReceiver.Request] = []
        var counters = LoopbackReceiver.Counters()
        var keys = KeySet()
        var channels: [ObjectIdentifier: any Channel] = [:]
    }

    let recordsBodies: Bool
    private let state: Mutex<State>

    init(behaviour: @escaping LoopbackReceiver.Behaviour, recordsBodies: Bool) {
        self.recordsBodies = recordsBodies
        state = Mutex(State(behaviour: behaviour))
    }

    func setBehaviour(_ behaviour: @escaping LoopbackReceiver.Behaviour) {
        state.withLock { $0.behaviour = behaviour }
    }

    var requests: [LoopbackReceiver.Request] { state.withLock { $0.requests } }
    var accepted: [LoopbackReceiver.Request] { state.withLock { $0.accepted } }
    var counters: LoopbackReceiver.Counters { state.withLock { $0.counters } }

    /// Numbers a request read to its end, counts it in progress, and returns the behaviour to answer it.
    func arrived(_ request: inout LoopbackReceiver.Request, lines: Int) -> LoopbackReceiver.Behaviour {
        state.withLock { state in
            request.index = state.counters.requests
            state.counters.requests += 1
            state.counters.lines += lines
            state.counters.bytes += request.body.count
            state.counters.inProgress += 1
            state.counters.maxConcurrent = max(state.counters.maxConcurrent, state.counters.inProgress)
            if recordsBodies { state.requests.append(request) }
            return state.behaviour
        }
    }

    /// A request in progress was answered `status` (the answer is being written to an open connection).
    func answered(_ request: LoopbackReceiver.Request, lines: Int, status: Int) {
        state.withLock { state in
            state.counters.inProgress -= 1
            guard (200..<300).contains(status) else {
                state.counters.rejected += 1
                return
            }
            state.counters.accepted += 1
            state.counters.acceptedLines += lines
            if let key = request.idempotencyKey {
                if state.keys.insert(key) {
                    state.counters.distinctKeys += 1
                } else {
                    state.counters.duplicateKeys += 1
                }
            }
            if recordsBodies { state.accepted.append(request) }
        }
    }

    /// A request in progress ended without an answer: reset on purpose, or its connection closed.
    func unanswered(reset: Bool) {
        state.withLock { state in
            state.counters.inProgress -= 1
            if reset { state.counters.resets += 1 } else { state.counters.abandoned += 1 }
        }
    }

    func malformed() {
        state.withLock { $0.counters.malformed += 1 }
    }

    func opened(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        state.withLock { state in
            state.channels[id] = channel
            state.counters.connections += 1
            state.counters.openConnections += 1
        }
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { state in
                if state.channels.removeValue(forKey: id) != nil { state.counters.openConnections -= 1 }
            }
        }
    }

    func openChannels() -> [any Channel] {
        state.withLock { Array($0.channels.values) }
    }
}

/// A set of idempotency keys; the 32-hex-digit keys of `IdempotencyKey` are held as two words, others as text,
/// so that a benchmark of millions of requests keeps its memory small.
struct KeySet {
    private struct Words: Hashable {
        var high: UInt64
        var low: UInt64
    }

    private var words: Set<Words> = []
    private var texts: Set<String> = []

    /// Inserts `key`; false when it was there already.
    mutating func insert(_ key: String) -> Bool {
        let utf8 = key.utf8
        if utf8.count == 32, let high = UInt64(key.prefix(16), radix: 16), let low = UInt64(key.suffix(16), radix: 16),
            utf8.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") && !(65...90).contains($0) })
        {
            return words.insert(Words(high: high, low: low)).inserted
        }
        return texts.insert(key).inserted
    }
}
