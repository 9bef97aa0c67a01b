import ArgumentParser
import FlywheelConnectors
import FlywheelSignals
import Foundation

/// Maps module errors to command-line failures with a clear message and exit code.
enum CLIErrors {
    static func pipeline<T>(_ body: () throws(PipelineError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Runs `body`; a `ConnectorError` is printed and exits 1, or 128 + the signal number when it
    /// is a stop requested through `stop` (130 for SIGINT, 143 for SIGTERM).
    static func connector<T>(stop: StopSignals? = nil, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConnectorError {
            throw exit(error, stop: stop)
        }
    }

    /// The synchronous form of `connector`.
    static func connector<T>(_ body: () throws(ConnectorError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw exit(error, stop: nil)
        }
    }

    private static func exit(_ error: ConnectorError, stop: StopSignals?) -> ExitCode {
        if error.code == .interrupted, let signal = stop?.stopSignal {
            FileHandle.standardError.write(Data("\(error.message)\n".utf8))
            return ExitCode(128 + signal)
        }
        FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
        return ExitCode(error.code == .invalidOption ? 64 : 1)
    }
}

/// Progress on stderr while a long replay runs on a terminal: events, events/s, watermark.
final class ProgressMeter: Sendable {
    let enabled: Bool

    init(enabled: Bool) { self.enabled = enabled }

    var report: (@Sendable (ReplayProgress) -> Void)? {
        guard enabled else { return nil }
        return { progress in
            let rate = progress.elapsedSeconds > 0 ? Double(progress.eventsIn) / progress.elapsedSeconds : 0
            let watermark = progress.watermark == .min ? "-" : progress.watermark.rfc3339
            let text = "\r\u{1B}[K\(progress.eventsIn) events  \(Int(rate)) events/s  watermark \(watermark)"
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    func clear() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// The short summary printed after a replay.
enum ReplaySummaryText {
    static func render(_ result: ReplayResult, outputPath: String) -> String {
        let c = result.counters
        var lines: [String] = []
        let timing =
            "in \(String(format: "%.2f", result.wallSeconds)) s (\(Int(result.eventsPerSecond)) events/s)"
        if let resumed = result.resumedFrom {
            lines += [
                "resumed from checkpoint \(resumed), where \(result.resumedEventsIn) events had been replayed",
                "replayed \(result.eventsThisRun) more events \(timing); \(c.eventsIn) events in all into \(outputPath)",
            ]
        } else {
            lines.append("replayed \(c.eventsIn) events \(timing) into \(outputPath)")
        }
        lines += [
            "  accepted \(c.eventsAccepted)  duplicates \(c.duplicatesDropped)  invalid \(c.invalidEvents)  "
                + "late \(c.lateEvents)  unresolved references \(c.unresolvedReferences)",
            "  signals:",
        ]
        for kind in SignalKind.allCases {
            lines.append(
                "    \(kind.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)) \(c.signalsOut[kind] ?? 0)")
        }
        for export in result.exports {
            lines.append("  export \(export.format.rawValue): \(export.train) records to \(export.trainPath)")
        }
        if result.checkpoints.count > 0 {
            lines.append(
                "  checkpoints: \(result.checkpoints.count), last \(result.checkpoints.lastBytes / 1024) KiB, "
                    + String(format: "%.3f s in all", result.checkpoints.totalSeconds))
        }
        return lines.joined(separator: "\n")
    }
}
