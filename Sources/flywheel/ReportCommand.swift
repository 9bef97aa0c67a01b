import ArgumentParser
import FlywheelInspect
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of a replay's signals.",
        discussion: """
            One HTML file with inline SVG charts and no scripts or network fetches: per model, up-rate, \
            regenerate rate, latency p50/p95/p99 and volume over time for each variant, with alert markers; \
            the A/B read-out of each model's variants against its first variant (control, else default, \
            else the first by name); dead letters by reason and late events by type. Long runs are drawn in \
            at most 120 time buckets, windows merged as inspect merges them, which its help explains:
              flywheel help inspect

            SRC is a replay output folder, a live folder sink of flywheel run (its committed files; it has no \
            summary.json, so the report has no counters), one signal JSONL file, or topic:NAME with --data DIR \
            (an embedded-log topic of signal records, read as inspect reads it), or, with --url instead of SRC, \
            a running flywheel serve (the committed records of its signal topics; --token or FLYWHEEL_READ_TOKEN). -o names the HTML file; it is \
            written next to its final name and renamed at the end. A --model or --variant that no record \
            names is an error (exit 64) listing the ones present; an unwritable -o exits 1.

            Examples:
              flywheel report out/ -o report.html
              flywheel report topic:signals --data data/ -o report.html
              flywheel report data/signals -o report.html
              flywheel report --url http://127.0.0.1:8080 -o report.html
            """)

    @Argument(
        help:
            "A replay output folder, a live folder sink, one signal JSONL file, or topic:NAME (with --data); or --url.")
    var src: String?

    @OptionGroup var filters: RecordFilterOptions

    @Option(name: .shortAndLong, help: "The HTML file to write (replaced if it exists).")
    var out: String

    @Option(help: "Report title.")
    var title: String = "Flywheel report"

    func run() throws {
        try CLIInspect.run { () throws(InspectError) in
            let options = try filters.options(src: src)
            let data = try filters.load(options)
            try HTMLReport(data: data, title: title).write(to: out)
            print("wrote \(out): \(data.groups.count) model/variant series, \(data.alerts.count) alerts")
        }
    }
}
