import Foundation
import Synchronization

/// A request to stop a running replay, made by a signal handler (SIGINT, SIGTERM) and seen by the
/// replay between batches, and by readers waiting on a pipe. The replay then ends with a
/// `ConnectorError` of code `.interrupted`; its output is left unfinished (`.inprogress` files),
/// and a checkpointed replay resumes from its last checkpoint when run again.
public final class ReplayStop: Sendable {
    private let signal = Atomic<Int32>(0)

    public init() {}

    /// Records a stop request for signal `number`; returns false if one had been requested already.
    @discardableResult
    public func request(_ number: Int32) -> Bool {
        signal.compareExchange(expected: 0, desired: number, ordering: .relaxed).exchanged
    }

    /// The signal of the stop request, if one was made.
    public var requested: Int32? {
        let value = signal.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// "SIGINT", "SIGTERM", or "signal N".
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }
}
