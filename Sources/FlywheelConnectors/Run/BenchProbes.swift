import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation
import Synchronization

/// A source that passes another one through and notes when its partitions have delivered `total`
/// lines together (`flywheel bench run`: the moment a live job has read the whole topic).
final class CountingSource: Source, Sendable {
    let inner: any Source
    let total: Int64
    private let read = Atomic<Int64>(0)
    private let finished = Mutex<ContinuousClock.Instant?>(nil)

    init(_ inner: any Source, total: Int64) {
        self.inner = inner
        self.total = total
    }

    /// When the last of the `total` lines was read; nil before.
    var finishedAt: ContinuousClock.Instant? { finished.withLock { $0 } }

    var partitionCount: Int { inner.partitionCount }
    var isBounded: Bool { inner.isBounded }
    func name(ofPartition partition: Int) -> String { inner.name(ofPartition: partition) }
    func state(at positions: [InputPosition]) -> [UInt8] { inner.state(at: positions) }

    func open(restoring state: [UInt8]?, decoding: DecodeOptions) throws -> [any SourcePartition] {
        try inner.open(restoring: state, decoding: decoding).map { CountingPartition(inner: $0, owner: self) }
    }

    func count(_ lines: Int64) {
        guard lines > 0 else { return }
        let now = ContinuousClock.now
        if read.add(lines, ordering: .relaxed).newValue >= total {
            finished.withLock { $0 = $0 ?? now }
        }
    }
}

// @unchecked Sendable: one pump reads it at a time, as the partition it wraps.
private final class CountingPartition: SourcePartition, @unchecked Sendable {
    let inner: any SourcePartition
    let owner: CountingSource

    init(inner: any SourcePartition, owner: CountingSource) {
        self.inner = inner
        self.owner = owner
    }

    func read(maxLines: Int, _ body: (consuming InputLine) -> Void) throws -> ReadStatus {
        var lines: Int64 = 0
        let status = try inner.read(maxLines: maxLines) { line in
            lines += 1
            body(line)
        }
        owner.count(lines)
        return status
    }

    func close() { inner.close() }
}

/// A sink that passes records to another one and measures them: how many it got, when the last
/// came, and for the kinds it samples the delay of each from the moment it was due (`due`, epoch
/// ms) to the wall time it was handed over (`write`) and made visible (`flush`, a checkpoint).
final class ProbeSink: Sink, Sendable {
    struct Samples: Sendable {
        var records: Int64 = 0
        var lastWrite: ContinuousClock.Instant?
        /// Per sampled kind: delays in ms from due to write, and from due to visible.
        var written: [RecordKind: [Int64]] = [:]
        var visible: [RecordKind: [Int64]] = [:]
        /// Written, not yet flushed: (kind, due epoch ms).
        var waiting: [(RecordKind, Int64)] = []
    }

    let inner: any Sink
    /// The epoch ms at which a record of a sampled kind was due; nil: the kind is not sampled.
    let due: @Sendable (SignalRecord) -> Int64?
    private let samples = Mutex(Samples())

    init(inner: any Sink, due: @escaping @Sendable (SignalRecord) -> Int64? = { _ in nil }) {
        self.inner = inner
        self.due = due
    }

    var current: Samples { samples.withLock { $0 } }

    func restore(_ state: [UInt8]?) async throws { try await inner.restore(state) }

    func write(_ records: [SignalRecord]) async throws {
        try await inner.write(records)
        let now = ContinuousClock.now
        let wall = JobClock.wallMillis()
        let dues = records.compactMap { record in due(record).map { (record.kind, $0) } }
        samples.withLock { s in
            s.records += Int64(records.count)
            s.lastWrite = now
            for (kind, due) in dues { s.written[kind, default: []].append(wall - due) }
            s.waiting += dues
        }
    }

    func flush() async throws {
        try await inner.flush()
        published()
    }

    func snapshot(checkpoint: Int64, closing: Bool) async throws -> [UInt8] {
        let state = try await inner.snapshot(checkpoint: checkpoint, closing: closing)
        published()
        return state
    }

    func commit(checkpoint: Int64) async throws { try await inner.commit(checkpoint: checkpoint) }
    func close(_ end: JobEnd) async throws { try await inner.close(end) }

    private func published() {
        let wall = JobClock.wallMillis()
        samples.withLock { s in
            for (kind, due) in s.waiting { s.visible[kind, default: []].append(wall - due) }
            s.waiting.removeAll()
        }
    }
}

/// Nearest-rank percentiles of delay samples (CONTRACT's rule for latency_ms_p*).
enum Percentiles {
    /// The value at 1-based rank ceil(p * n) of the sorted samples; nil when there are none.
    static func value(_ p: Double, of sorted: [Int64]) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// "p50 12 ms  p99 140 ms  max 180 ms  (n 4000)", or "no samples".
    static func summary(_ samples: [Int64]) -> String {
        let sorted = samples.sorted()
        guard let p50 = value(0.5, of: sorted), let p99 = value(0.99, of: sorted), let max = sorted.last else {
            return "no samples"
        }
        return "p50 \(p50) ms  p99 \(p99) ms  max \(max) ms  (\(sorted.count) records)"
    }
}
