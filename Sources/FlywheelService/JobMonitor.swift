import FlywheelConnectors
import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation
import Synchronization

/// What the live job last reported: its progress (about twice a second, also while idle) and its last completed
/// checkpoint. The job's hooks store here and return; `GET /v1/stats` and `GET /metrics` read a snapshot.
///
/// The counters of CONTRACT section 5 are shown two ways: `checkpointed`, as of the last completed checkpoint (what
/// the sinks committed, equal to `DIR/counters.json`), and `running`, the ingest's counters as it last reported
/// (`events_in` and its verdicts; `signals_out` and `unresolved_references` only advance with checkpoints).
final class JobMonitor: Sendable {
    struct Snapshot: Sendable {
        var progress: JobProgress?
        var checkpoint: CompletedCheckpoint?
        /// Checkpoints completed by this run.
        var checkpointsThisRun = 0
        /// The counters of `DIR/counters.json` when the service started (the checkpoint it resumes from).
        var resumedCounters: SignalCounters?

        /// The counters as of the last checkpoint: this run's, else the ones the run resumed from.
        var checkpointed: SignalCounters? { checkpoint?.counters ?? resumedCounters }

        /// The ingest's counters: the later of the last progress and the last checkpoint (each field only grows).
        var running: SignalCounters? {
            guard let latest = progress?.counters ?? checkpointed else { return nil }
            guard let other = checkpointed else { return latest }
            var counters = latest
            counters.eventsIn = max(latest.eventsIn, other.eventsIn)
            counters.invalidEvents = max(latest.invalidEvents, other.invalidEvents)
            counters.duplicatesDropped = max(latest.duplicatesDropped, other.duplicatesDropped)
            counters.lateEvents = max(latest.lateEvents, other.lateEvents)
            counters.eventsAccepted = max(latest.eventsAccepted, other.eventsAccepted)
            counters.signalsOut = other.signalsOut
            counters.unresolvedReferences = other.unresolvedReferences
            return counters
        }

        /// W: the later of the last progress's and the last checkpoint's (nil while it is minus infinity).
        var watermark: EventTime? {
            let values = [progress?.watermark, checkpoint?.watermark].compactMap { $0 }
            guard let latest = values.max(), latest != .min else { return nil }
            return latest
        }
    }

    private let state: Mutex<Snapshot>
    /// The job partitions (job order) that read the `events` topic; nil when the pipeline does not read it (or
    /// reads a source of unknown partition count before it).
    let eventsPartitions: Range<Int>?
    /// Told of each completed checkpoint (the metrics' checkpoint histogram and counter).
    private let onCheckpoint: @Sendable (CompletedCheckpoint) -> Void

    init(
        eventsPartitions: Range<Int>?, resumedCounters: SignalCounters?,
        onCheckpoint: @escaping @Sendable (CompletedCheckpoint) -> Void = { _ in }
    ) {
        self.eventsPartitions = eventsPartitions
        self.onCheckpoint = onCheckpoint
        state = Mutex(Snapshot(resumedCounters: resumedCounters))
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    /// Stores a progress sample (`RunOptions.progress`).
    func progress(_ progress: JobProgress) { state.withLock { $0.progress = progress } }

    /// Stores a completed checkpoint (`RunOptions.onCheckpointCompleted`).
    func checkpointCompleted(_ checkpoint: CompletedCheckpoint) {
        state.withLock {
            $0.checkpoint = checkpoint
            $0.checkpointsThisRun += 1
        }
        onCheckpoint(checkpoint)
    }

    /// The job partitions that read topic `events` in `config`: every source before it must have a known
    /// partition count (a file: 1; a topic: its partitions in `dataDir`).
    static func eventsPartitions(of config: PipelineConfig, dataDir: String) -> Range<Int>? {
        var start = 0
        let log = EmbeddedLog(directory: dataDir)
        for source in config.sources {
            switch source.kind {
            case .topic(let name, _):
                guard let partitions = try? log.topic(named: name).partitions else { return nil }
                if name == LivePipeline.eventsTopic { return start..<(start + partitions) }
                start += partitions
            case .file:
                start += 1
            case .kafka:
                return nil
            }
        }
        return nil
    }

    /// The counters of `DIR/counters.json`, if it holds any.
    static func savedCounters(path: String) -> SignalCounters? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return (try? JSONDecoder().decode(CountersBody.self, from: data))?.counters
    }
}
