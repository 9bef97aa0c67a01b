import ArgumentParser
import FlywheelInspect
import Foundation

/// The source and filter options shared by `inspect` and `report`.
struct RecordFilterOptions: ParsableArguments {
    @Option(help: "The embedded-log data folder holding the topic of SRC topic:NAME.")
    var data: String?

    @Option(
        help: ArgumentHelp(
            "Read a running flywheel serve over its read API (its committed signal records) instead of SRC.",
            valueName: "base-url"))
    var url: String?

    @Option(
        help: ArgumentHelp(
            "The read token sent to --url as Authorization: Bearer (env FLYWHEEL_READ_TOKEN).", valueName: "token"))
    var token: String?

    @Option(help: "Keep only this model (repeatable); one that no record names is an error listing those present.")
    var model: [String] = []

    @Option(help: "Keep only this variant (repeatable); one that no record names is an error, as for --model.")
    var variant: [String] = []

    @Option(help: "Keep windows starting at or after this RFC 3339 time.")
    var since: String?

    @Option(help: "Keep windows ending at or before this RFC 3339 time.")
    var until: String?

    /// The options for source `src`, or for the service of `--url` (exactly one of the two).
    func options(src: String?) throws(InspectError) -> InspectOptions {
        switch (src, url) {
        case (nil, nil):
            throw InspectError(
                .invalidOption, "name what to read: SRC (a folder, a file or topic:NAME) or --url of a running service")
        case (_?, let url?):
            throw InspectError(.invalidOption, "give SRC or --url \(url), not both")
        default:
            var options = InspectOptions(sourcePath: src ?? url ?? "")
            try apply(to: &options)
            return options
        }
    }

    /// The records of the service of `--url`, nil without it; the token comes from `--token`, else
    /// FLYWHEEL_READ_TOKEN.
    func service() throws(InspectError) -> ServiceRecords? {
        guard let url else {
            if token != nil { throw InspectError(.invalidOption, "--token applies only to --url") }
            return nil
        }
        return try ServiceRecords(url: url, token: token ?? ProcessInfo.processInfo.environment["FLYWHEEL_READ_TOKEN"])
    }

    /// Reads the source of `options`: the service of `--url`, else SRC.
    func load(_ options: InspectOptions) throws(InspectError) -> InspectData {
        guard let service = try service() else { return try InspectLoader.load(options) }
        return try InspectLoader.load(options, label: service.url, countersNote: ServiceRecords.countersNote) {
            (kind) throws(InspectError) in try service.records(kind)
        }
    }

    /// Sets the data folder, model and variant filters and the time range of `options`.
    func apply(to options: inout InspectOptions) throws(InspectError) {
        options.dataDirectory = data
        options.models = Set(model)
        options.variants = Set(variant)
        if let since { options.since = try InspectOptions.time(since, flag: "--since") }
        if let until { options.until = try InspectOptions.time(until, flag: "--until") }
    }
}
