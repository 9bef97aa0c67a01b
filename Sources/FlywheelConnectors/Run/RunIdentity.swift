import FlywheelRuntime
import FlywheelSignals
import Foundation

/// A `flywheel run` data folder belongs to one pipeline: its checkpoints resume only the job that
/// wrote them (same sources, sinks and pipeline settings, recorded in `checkpoints/job.json`).
enum RunIdentity {
    /// The checkpoint to resume from (nil: a first run, for which the folder is now set up).
    static func check(_ options: RunOptions, store: CheckpointStore) throws(ConnectorError) -> CheckpointData? {
        let job = CheckpointJob(
            inputs: options.config.sources.map(\.description),
            output: (options.config.sinks.isEmpty ? [RunJob.defaultSink] : options.config.sinks).map(\.description)
                .joined(separator: "; "),
            pipeline: options.config.effectiveYAML())
        guard let existing = try store.readJob() else {
            guard store.ids().isEmpty else {
                throw ConnectorError(
                    .checkpointMismatch,
                    "\(store.path) holds checkpoints but no job.json, so they cannot be tied to this pipeline: "
                        + "use another --data folder, or delete \(store.path) to start over")
            }
            try store.create()
            try store.writeJob(job)
            return nil
        }
        guard existing == job else {
            var differences: [String] = []
            if existing.inputs != job.inputs { differences.append("its sources differ") }
            if existing.output != job.output { differences.append("its sinks differ") }
            if existing.pipeline != job.pipeline { differences.append("its pipeline settings differ") }
            throw ConnectorError(
                .checkpointMismatch,
                "the checkpoints in \(store.path) belong to another pipeline (\(differences.joined(separator: "; "))): "
                    + "run this pipeline with another --data folder, or delete \(store.path) to start it over")
        }
        let (latest, warnings) = store.latest()
        warnings.forEach(options.warn)
        if latest == nil && !store.ids().isEmpty {
            throw ConnectorError(
                .corrupt,
                "no checkpoint in \(store.path) can be read: delete \(store.path) and the sinks' output to start over")
        }
        return latest
    }
}
