import FlywheelRuntime
import Synchronization

/// The state the endpoints read: whether the live job consumes, whether a shutdown began, the bound port.
/// Hot reads take a `Mutex` snapshot.
public final class ServiceStatus: Sendable {
    private struct State {
        var consuming = false
        var draining = false
        var boundPort: Int?
        var portWaiters: [CheckedContinuation<Int?, Never>] = []
        var portFinal = false
        var result: JobResult?
        var reloads = CatalogReloads()
    }

    /// Model catalog reloads (SIGHUP, `POST /v1/admin/reload`) so far.
    public struct CatalogReloads: Sendable, Equatable {
        /// Reloads that put a catalog in force.
        public var succeeded = 0
        /// Reloads refused (a bad catalog, or none configured); the catalog in force stayed.
        public var failed = 0
        /// Why the last refused reload was refused.
        public var lastError: String?
    }

    private let state = Mutex(State())

    public init() {}

    /// Ready: the live job restored its checkpoint and consumes, and no shutdown has begun.
    public var isReady: Bool { state.withLock { $0.consuming && !$0.draining } }

    /// A graceful shutdown began: ingest answers 503, readiness is false.
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// What the live job returned, once it ended.
    public var jobResult: JobResult? { state.withLock { $0.result } }

    /// The catalog reloads so far.
    public var catalogReloads: CatalogReloads { state.withLock { $0.reloads } }

    func catalogReloaded(failure: String?) {
        state.withLock { state in
            if let failure {
                state.reloads.failed += 1
                state.reloads.lastError = failure
            } else {
                state.reloads.succeeded += 1
            }
        }
    }

    func jobConsuming() { state.withLock { $0.consuming = true } }

    func jobEnded(_ result: JobResult?) {
        state.withLock {
            $0.consuming = false
            $0.result = result
        }
    }

    func beginDraining() { state.withLock { $0.draining = true } }

    func serverBound(port: Int?) {
        let waiters = state.withLock { state in
            state.boundPort = port
            state.portFinal = true
            defer { state.portWaiters = [] }
            return state.portWaiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    /// The port the server listens on, once it does (nil if it ended without listening).
    public func boundPort() async -> Int? {
        await withCheckedContinuation { (waiter: CheckedContinuation<Int?, Never>) in
            let known = state.withLock { state -> Int?? in
                guard state.portFinal else {
                    state.portWaiters.append(waiter)
                    return .none
                }
                return .some(state.boundPort)
            }
            if case .some(let port) = known { waiter.resume(returning: port) }
        }
    }
}
