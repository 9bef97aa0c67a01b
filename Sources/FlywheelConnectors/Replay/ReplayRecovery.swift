import FlywheelRuntime
import FlywheelSignals
import Foundation

/// What a checkpointed replay finds in its checkpoint folder before it starts. Reading it changes
/// nothing on disk; `begin()` then creates the folder and its `job.json` for a new job.
///
/// A folder is resumed only by the replay that created it (same canonical inputs, output and
/// pipeline, recorded in `job.json`), and only while its input files are as they were: same size,
/// same bytes up to where the checkpoint stopped reading (`InputFingerprint`).
struct ReplayRecovery {
    var store: CheckpointStore?
    var checkpoint: CheckpointData?
    /// The counters of a replay that had already finished.
    var finishedSummary: SignalCounters?
    /// The checkpoint folder already belonged to this replay (a resume), so its output folder is ours.
    var isResume = false
    /// The `source` name of each source partition: as the run that created the checkpoint folder
    /// spelled its inputs, so that the resumed output matches its first part.
    var sourceNames: [String]
    private var job: CheckpointJob?

    init(options: ReplayOptions, sources: [ReplaySource]) throws(ConnectorError) {
        sourceNames = sources.map(\.name)
        guard let dir = options.checkpointDir else { return }
        if options.inputs.contains("-") {
            throw ConnectorError(
                .readFailed, "--checkpoint-dir needs seekable inputs: standard input ('-') cannot be resumed")
        }
        let store = try CheckpointStore(path: dir)
        self.store = store
        var job = CheckpointJob(
            inputs: options.inputs, output: options.outputPath, pipeline: options.config.effectiveYAML()
        ).canonical
        job.sourceNames = sourceNames
        guard let existing = try store.readJob() else {
            // A `job.json.tmp` alone is a first run killed while it tied the folder to its replay: nothing of it
            // was kept, so the folder is still new (the next write of job.json replaces the temporary file).
            guard store.names().allSatisfy({ $0 == "job.json" + AtomicFile.temporarySuffix }) else {
                throw ConnectorError(
                    .checkpointMismatch,
                    "checkpoint folder \(dir) is not empty but has no job.json, so it cannot be tied to this "
                        + "replay (was job.json deleted?): use another --checkpoint-dir, or delete \(dir) to start over"
                )
            }
            self.job = job
            return
        }
        isResume = true
        guard existing.canonical == job.canonical else {
            let old = existing.canonical
            var differences: [String] = []
            if old.inputs != job.inputs {
                differences.append(
                    "its inputs were \(old.inputs.joined(separator: " ")), now \(job.inputs.joined(separator: " "))")
            }
            if old.output != job.output { differences.append("its --out was \(old.output), now \(job.output)") }
            if old.pipeline != job.pipeline { differences.append("its pipeline settings differ") }
            throw ConnectorError(
                .checkpointMismatch,
                "checkpoint folder \(dir) belongs to another replay (\(differences.joined(separator: "; "))): "
                    + "use another --checkpoint-dir for this replay, or delete \(dir)")
        }
        if let names = existing.sourceNames, names.count == sourceNames.count { sourceNames = names }
        if store.finishedSummary() != nil {
            let summaryPath = (options.outputPath as NSString).appendingPathComponent("summary.json")
            guard let data = FileManager.default.contents(atPath: summaryPath),
                let summary = try? JSONDecoder().decode(SummaryFile.self, from: data)
            else {
                throw ConnectorError(
                    .checkpointMismatch,
                    "checkpoint folder \(dir) says this replay finished, but \(summaryPath) is missing or damaged "
                        + "(was the output deleted or moved?): delete \(dir) to replay again")
            }
            finishedSummary = summary.counters
            return
        }
        let (latest, warnings) = store.latest()
        warnings.forEach(options.warn)
        if let latest {
            try InputFingerprint.verify(
                latest, inputs: options.inputs, partitions: sources.count, checkpointDir: dir)
        }
        checkpoint = latest
    }

    /// Creates the checkpoint folder and records the job, for a replay that is not a resume.
    func begin() throws(ConnectorError) {
        guard let store else { return }
        try store.create()
        if let job { try store.writeJob(job) }
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
