import FlywheelRuntime
import FlywheelSignals
import Foundation

/// A `flywheel run` data folder belongs to one pipeline: its checkpoints resume only the job that
/// wrote them (same sources, sinks and pipeline settings, recorded in `checkpoints/job.json`).
enum RunIdentity {
    /// The checkpoint to resume from (nil: a first run, for which the folder is now set up).
    static func check(_ options: RunOptions, store: CheckpointStore) throws(ConnectorError) -> CheckpointData? {
        let job = identity(options.config.movable())
        guard var existing = try store.readJob() else {
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
        if existing != job && existing == identity(options.config) {
            // Written before clusters could move: the same job, recorded with its cluster addresses.
            try store.writeJob(job)
            existing = job
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

    /// What ties a data folder to a pipeline: its sources, sinks and settings as rendered.
    private static func identity(_ config: PipelineConfig) -> CheckpointJob {
        CheckpointJob(
            inputs: config.sources.map(\.description),
            output: (config.sinks.isEmpty ? [RunJob.defaultSink] : config.sinks).map(\.description)
                .joined(separator: "; "),
            pipeline: config.effectiveYAML())
    }
}

extension PipelineConfig {
    /// The pipeline without what may change under a running job (README, "Moving to another cluster"): the
    /// clusters of kafka sources (added or removed; offsets are kept per cluster name) and the bootstrap of
    /// kafka sinks (moved at a checkpoint boundary).
    func movable() -> PipelineConfig {
        var config = self
        for index in config.sources.indices {
            guard case .kafka(var spec) = config.sources[index].kind else { continue }
            spec.clusters = []
            config.sources[index].kind = .kafka(spec)
        }
        for index in config.sinks.indices {
            guard case .kafka(var spec) = config.sinks[index].kind else { continue }
            spec.bootstrap = "(movable)"
            config.sinks[index].kind = .kafka(spec)
        }
        return config
    }
}
