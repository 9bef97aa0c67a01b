import ArgumentParser
import FlywheelInspect
import Foundation

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a replay emitted: counters, per-model quality and latency, alerts, samples.",
        discussion: """
            SRC is a replay output folder (it must hold summary.json), a live folder sink of flywheel run \
            (one folder per record kind; only committed files are read, never .inprogress ones), one signal \
            JSONL file, or topic:NAME with --data DIR: every partition of an embedded-log topic of signal \
            records, read from the log start to the high watermark without taking a lock, merged by record \
            timestamp. With --url instead of SRC it reads a running flywheel serve over its read API: the \
            committed records of its signal topics (--token or FLYWHEEL_READ_TOKEN for a service with tokens). \
            A live folder, a topic or a service has no summary.json, so there are no counters: records per \
            kind give the counts. The read-out: \
            the counters, records per kind, a table per model and variant over the selected range (responses, \
            up-rate with its 95 % Wilson interval, regenerate and error rates, latency, tokens), the alerts, \
            dead letters and late events by reason, and sample preference pairs and SFT examples cut to the \
            terminal width.

            Rates are pooled over windows (total up / total rated). The latency mean is exact. p50/p95/p99 \
            cannot be merged exactly from per-window percentiles: each window's nearest-rank percentiles \
            bound how many of its responses lie below any value, which brackets the pooled percentile \
            between guaranteed bounds (shown by --format json and csv; equal for one window). The figure \
            shown is the percentile of the response-weighted mixture of piecewise-linear distributions \
            through each window's 0 ms, p50, p95 and p99, clamped into the bounds. The table shows the p95 \
            bounds; a window's own percentiles only tell so much, so with few responses per window they are wide.

            --compare A B reads out variant B against variant A per metric: both values, B - A with its 95 % \
            interval and p-value. Rates: pooled two-proportion z-test, Newcombe (Wilson) interval. Latency: \
            the raw latencies are not in the records, so windows are the units: Mann-Whitney rank test on \
            the per-window values of the metric, interval from a seeded bootstrap that resamples windows.

            --limit N shows up to N rows in every list (alerts, dead-letter reasons, late-event types) and up \
            to N samples in every sample section (preference pairs, SFT examples); without it: 5 rows, 3 pairs, \
            2 SFT examples (5 samples of each in --format json and csv). A --model or --variant that no \
            record names is an error (exit 64) listing the ones present.

            --follow prints each new record on one line, cut to the terminal width only on a terminal; \
            with --format json each record as one compact JSON object per line (JSON Lines). A line that is \
            not a signal record is reported on stderr with its file and line, and skipped; a file that is \
            replaced, truncated or rewritten is read again from its beginning. On a live folder sink it prints \
            the records of each file as it is committed (every kind, or those of --kind).

            Colours only on a terminal and never with NO_COLOR set.

            Examples:
              flywheel inspect out/
              flywheel inspect out/ --model atlas-1-large \\
                  --since 2026-11-18T11:00:00Z --format csv
              flywheel inspect out/ --compare control treatment \\
                  --model atlas-1-large
              flywheel inspect out/model_quality.jsonl --follow
              flywheel inspect data/signals --follow --kind quality_alert
              flywheel inspect topic:signals --data data/ --follow --format json
              flywheel inspect --url http://127.0.0.1:8080 --compare control treatment
            """)

    @Argument(
        help:
            "A replay output folder, a live folder sink, one signal JSONL file, or topic:NAME (with --data); or --url.")
    var src: String?

    @OptionGroup var filters: RecordFilterOptions

    @Option(help: "Show only this record kind (repeatable): model_quality, preference_pair, ..., late_event.")
    var kind: [String] = []

    @Option(help: "Output format: table, json or csv (csv: the table of the first --kind, default model_quality).")
    var format: InspectFormat = .table

    // Unconditional, so that "--limit -5" reaches validation (and its message) instead of reading as a flag.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Up to N rows per list and N samples per sample section (default: 5 rows, 3 pairs, 2 SFT examples).",
            valueName: "n"))
    var limit: String?

    @Option(
        parsing: .upToNextOption,
        help: ArgumentHelp("Compare two variants: A B.", valueName: "variant"))
    var compare: [String] = []

    @Flag(
        help:
            "Keep reading a growing signal file, topic or live folder sink; print records as they come (Ctrl-C stops).")
    var follow = false

    func options() throws -> InspectOptions {
        try CLIInspect.run {
            () throws(InspectError) in
            var options = try filters.options(src: src)
            options.kinds = Set(try kind.map { (text) throws(InspectError) in try InspectOptions.kind(text) })
            if let limit { options.limit = try InspectOptions.limit(limit) }
            try options.validate()
            return options
        }
    }

    func validate() throws {
        guard compare.isEmpty || compare.count == 2 else {
            throw ValidationError("--compare takes two variants, e.g. --compare control treatment")
        }
        guard !(follow && !compare.isEmpty) else { throw ValidationError("--follow cannot be combined with --compare") }
        guard !(follow && filters.url != nil) else {
            throw ValidationError(
                "--follow reads files and topics; follow a service with its stream: "
                    + "curl -N URL/v1/signals/KIND/stream")
        }
        guard !(follow && format == .csv) else {
            throw ValidationError("--follow prints records as text or, with --format json, as JSON Lines; not as csv")
        }
    }

    func run() throws {
        let options = try options()
        let terminal = Terminal.standardOutput()
        if follow {
            try CLIInspect.run { () throws(InspectError) in
                var follower = try InspectFollower(
                    options: options, terminal: terminal, style: format == .json ? .json : .text)
                // Unbuffered, so each poll's lines show at once also when stdout is a pipe or a file.
                try follower.run(
                    output: { FileHandle.standardOutput.write(Data($0.utf8)) },
                    notes: { FileHandle.standardError.write(Data($0.utf8)) })
            }
            return
        }
        let output = try CLIInspect.run { () throws(InspectError) -> String in
            let data = try filters.load(options)
            if compare.count == 2 {
                let comparison = try VariantComparison.make(data, a: compare[0], b: compare[1])
                return format == .table
                    ? comparison.text(terminal) : format == .json ? comparison.json() : comparison.csv()
            }
            switch format {
            case .table: return InspectTextRenderer(terminal: terminal, options: options).render(data)
            case .json: return data.json(limit: options.listLimit)
            case .csv:
                return data.csv(
                    kind: try kind.first.map { (text) throws(InspectError) in try InspectOptions.kind(text) },
                    limit: options.listLimit)
            }
        }
        print(output, terminator: "")
    }
}

enum InspectFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// Maps inspect errors to a message on stderr and an exit code (64 for a bad flag, 1 otherwise).
enum CLIInspect {
    static func run<T>(_ body: () throws(InspectError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(error.code == .invalidOption ? 64 : 1)
        }
    }
}
