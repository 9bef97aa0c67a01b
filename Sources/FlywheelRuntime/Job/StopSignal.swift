import Foundation

/// Names of the signals that stop a job, for messages.
public enum StopSignal {
    /// "SIGINT", "SIGTERM", "SIGHUP", "signal N", or "a stop request" (0: asked for in code).
    public static func name(of signal: Int32) -> String {
        switch signal {
        case 0: return "a stop request"
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }
}
