import FlywheelSignals
import Foundation

/// What a checkpointed replay finds in its checkpoint folder before it starts.
struct ReplayRecovery {
    var store: CheckpointStore?
    var checkpoint: CheckpointData?
    /// The counters of a replay that had already finished.
    var finishedSummary: SignalCounters?
    /// The checkpoint folder already belonged to this replay (a resume), so its output folder is ours.
    var isResume = false

    init(options: ReplayOptions) throws {
        guard let dir = options.checkpointDir else { return }
        if options.inputs.contains("-") {
            throw ConnectorError(
                .readFailed, "--checkpoint-dir needs seekable inputs: standard input ('-') cannot be resumed")
        }
        let store = try CheckpointStore(path: dir)
        self.store = store
        let job = CheckpointJob(
            inputs: options.inputs, output: options.outputPath, pipeline: options.config.effectiveYAML())
        if let existing = store.readJob() {
            isResume = true
            guard existing == job else {
                throw ConnectorError(
                    .outputNotEmpty,
                    "checkpoint folder \(dir) belongs to another replay (different inputs, --out or pipeline); "
                        + "use another --checkpoint-dir or delete it")
            }
        } else {
            try store.writeJob(job)
        }
        if store.finishedSummary() != nil {
            let summaryPath = (options.outputPath as NSString).appendingPathComponent("summary.json")
            let data = FileManager.default.contents(atPath: summaryPath) ?? Data()
            finishedSummary = (try? JSONDecoder().decode(SummaryFile.self, from: data))?.counters ?? SignalCounters()
            return
        }
        let (latest, warnings) = store.latest()
        warnings.forEach(options.warn)
        checkpoint = latest
    }
}

/// `summary.json` as written by a replay.
struct SummaryFile: Decodable {
    var counters: SignalCounters

    enum Keys: String, CodingKey {
        case eventsIn = "events_in", invalidEvents = "invalid_events", duplicatesDropped = "duplicates_dropped"
        case lateEvents = "late_events", eventsAccepted = "events_accepted"
        case unresolvedReferences = "unresolved_references", signalsOut = "signals_out"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        counters = SignalCounters()
        counters.eventsIn = try container.decode(Int64.self, forKey: .eventsIn)
        counters.invalidEvents = try container.decode(Int64.self, forKey: .invalidEvents)
        counters.duplicatesDropped = try container.decode(Int64.self, forKey: .duplicatesDropped)
        counters.lateEvents = try container.decode(Int64.self, forKey: .lateEvents)
        counters.eventsAccepted = try container.decode(Int64.self, forKey: .eventsAccepted)
        counters.unresolvedReferences = try container.decode(Int64.self, forKey: .unresolvedReferences)
        let signals = try container.decode([String: Int64].self, forKey: .signalsOut)
        for kind in SignalKind.allCases { counters.signalsOut[kind] = signals[kind.rawValue] ?? 0 }
    }
}
