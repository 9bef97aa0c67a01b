import FlywheelEngine
import FlywheelSignals
import Synchronization

/// The collector's end of a sink: a bounded channel to the sink's task, the kinds it takes, and
/// the failure that stopped it, if one did.
final class SinkHandle: Sendable {
    enum Message: Sendable {
        case records([SignalRecord])
        case flush
        case snapshot(Int64, closing: Bool, Reply<[UInt8]>)
        case commit(Int64)
        case close(JobEnd, Reply<Void>)
    }

    let id: String
    let kinds: Set<RecordKind>?
    let linger: Duration
    let closesLast: Bool
    let channel = BoundedChannel<Message>(capacity: 16)
    private let failure = Mutex<(any Error)?>(nil)

    init(_ sink: JobSink) {
        id = sink.id
        kinds = sink.kinds
        linger = sink.linger
        closesLast = sink.closesLast
    }

    /// Sends a message; throws the sink's failure instead once it has failed.
    func send(_ message: Message) async throws {
        if let error = failure.withLock({ $0 }) { throw error }
        if await channel.send(message) { return }
        throw failure.withLock { $0 } ?? RuntimeError(.sinkFailed, "sink \(id) stopped")
    }

    /// Runs the sink: handles messages in order until the channel ends. A failure is kept (the
    /// collector's next send throws it) and fails every reply still waiting.
    static func run(_ handle: SinkHandle, sink: any Sink) async {
        while let message = await handle.channel.receive() {
            if let error = handle.failure.withLock({ $0 }) {
                message.fail(error)
                continue
            }
            do {
                switch message {
                case .records(let records): try await sink.write(records)
                case .flush: try await sink.flush()
                case .snapshot(let id, let closing, let reply):
                    reply.resume(.success(try await sink.snapshot(checkpoint: id, closing: closing)))
                case .commit(let id): try await sink.commit(checkpoint: id)
                case .close(let end, let reply):
                    try await sink.close(end)
                    reply.resume(.success(()))
                }
            } catch {
                handle.failure.withLock { $0 = error }
                message.fail(error)
                handle.channel.finish()
            }
        }
    }
}

extension SinkHandle.Message {
    func fail(_ error: any Error) {
        switch self {
        case .snapshot(_, _, let reply): reply.resume(.failure(error))
        case .close(_, let reply): reply.resume(.failure(error))
        default: break
        }
    }
}

/// A one-shot answer from a sink task to the collector.
final class Reply<Value: Sendable>: Sendable {
    private struct State {
        var result: Result<Value, any Error>?
        var waiter: CheckedContinuation<Result<Value, any Error>, Never>?
    }

    // Mutex protects the result and the waiter; the waiter is resumed outside the lock.
    private let state = Mutex(State())

    func resume(_ result: Result<Value, any Error>) {
        let waiter = state.withLock { s -> CheckedContinuation<Result<Value, any Error>, Never>? in
            guard s.result == nil else { return nil }
            s.result = result
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: result)
    }

    func value() async throws -> Value {
        let result = await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> Result<Value, any Error>? in
                if let result = s.result { return result }
                s.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        return try result.get()
    }
}
