import ArgumentParser
import FlywheelInspect

/// The source and filter options shared by `inspect` and `report`.
struct RecordFilterOptions: ParsableArguments {
    @Option(help: "The embedded-log data folder holding the topic of SRC topic:NAME.")
    var data: String?

    @Option(help: "Keep only this model (repeatable); one that no record names is an error listing those present.")
    var model: [String] = []

    @Option(help: "Keep only this variant (repeatable); one that no record names is an error, as for --model.")
    var variant: [String] = []

    @Option(help: "Keep windows starting at or after this RFC 3339 time.")
    var since: String?

    @Option(help: "Keep windows ending at or before this RFC 3339 time.")
    var until: String?

    /// Sets the data folder, model and variant filters and the time range of `options`.
    func apply(to options: inout InspectOptions) throws(InspectError) {
        options.dataDirectory = data
        options.models = Set(model)
        options.variants = Set(variant)
        if let since { options.since = try InspectOptions.time(since, flag: "--since") }
        if let until { options.until = try InspectOptions.time(until, flag: "--until") }
    }
}
