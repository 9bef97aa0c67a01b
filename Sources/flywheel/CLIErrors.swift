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

    static func connector<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ConnectorError {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
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
        if let resumed = result.resumedFrom { lines.append("resumed from checkpoint \(resumed)") }
        lines += [
            "replayed \(c.eventsIn) events in \(String(format: "%.2f", result.wallSeconds)) s "
                + "(\(Int(result.eventsPerSecond)) events/s) into \(outputPath)",
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
