import FlywheelConnectors
import FlywheelEngine
import FlywheelSignals
import Foundation
import Synchronization

/// Measures the delay from ingest to a preference pair appearing: it tails the topic `signals.preference_pair`
/// of a service's data folder (read-only, on a thread of its own) and, for each new pair whose completing event
/// (its conversation and `timestamp`) went out in a sampled request, takes the time since that request's answer.
///
/// The delay is from the 200 of the request that carried the completing event to the moment the pair's record
/// is readable in the topic (the pipeline releases it when W passes its timestamp, and the topic sink appends
/// it at the next flush).
final class PairWatcher: Sendable {
    static let topic = "signals.preference_pair"

    private struct State {
        /// When each sampled event's request was answered (ContinuousClock instants as nanoseconds).
        var acked: [PairKey: UInt64] = [:]
        var delays: [UInt64] = []
        var pairs = 0
        var stopped = false
    }

    private let data: String
    private let state = Mutex(State())
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    init(data: String) {
        self.data = data
        origin = clock.now
    }

    /// Nanoseconds since the watcher was made.
    func now() -> UInt64 { UInt64(max(0, (clock.now - origin).nanoseconds)) }

    /// Records that the request carrying `keys` was answered at `time` (from `now()`).
    func acknowledged(_ keys: [PairKey], at time: UInt64) {
        guard !keys.isEmpty else { return }
        state.withLock { state in for key in keys { state.acked[key] = time } }
    }

    /// Pairs seen since the start, and the delays measured (nanoseconds, unsorted).
    var results: (pairs: Int, delays: [UInt64]) { state.withLock { ($0.pairs, $0.delays) } }

    func stop() { state.withLock { $0.stopped = true } }

    /// Tails the topic from its current end until `stop()`; runs on a thread of its own.
    func start() -> Thread {
        let thread = Thread { [self] in tail() }
        thread.name = "flywheel-loadgen-pairs"
        thread.start()
        return thread
    }

    private func tail() {
        var partition: PartitionLog?
        var next: Int64 = 0
        var scanner = JSONLineScanner(keys: ["conversation_id", "timestamp"])
        while !state.withLock({ $0.stopped }) {
            if partition == nil {
                var access = PartitionLogOptions()
                access.readOnly = true
                partition = try? EmbeddedLog(directory: data).open(Self.topic, access: access).partitions.first
                next = partition?.highWatermark ?? 0
            }
            if let log = partition, let end = try? log.refresh(), end > next {
                var found: [PairKey?] = []
                let after = try? log.forEachRecord(from: next, maxBytes: 4 << 20) { view in
                    _ = scanner.scan(view.value)
                    var key: PairKey?
                    if case .string(let conversation)? = scanner.values[0],
                        case .string(let stamp)? = scanner.values[1],
                        let time = EventTime.parseRFC3339(stamp)
                    {
                        key = PairKey(conversation: conversation, millis: time.millis)
                    }
                    found.append(key)
                }
                let seen = now()
                if let after, after > next { next = after }
                state.withLock { state in
                    state.pairs += found.count
                    for key in found {
                        if let key, let acked = state.acked[key], seen >= acked { state.delays.append(seen - acked) }
                    }
                }
                continue
            }
            usleep(5_000)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let parts = components
        return parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
    }
}
