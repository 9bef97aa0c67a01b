import Foundation
import Synchronization

/// One partition of a topic: a folder of segments holding records at consecutive offsets.
///
/// Appends come from one writer at a time (one per process, enforced with a lock file; within a process the
/// caller keeps to one writer task). Any number of readers may read concurrently, in this process through
/// `read(from:maxBytes:maxRecords:)` or in another through a read-only log and `refresh()`. A record is
/// visible to readers once the append that wrote it has returned.
public final class PartitionLog: Sendable {
    struct State: ~Copyable {
        /// Oldest first; the last one is the active segment that appends go to. Never empty once open.
        var segments: [Segment]
        var highWatermark: Int64
        var durableOffset: Int64
        var lastSync: ContinuousClock.Instant
        var closed = false
        var recovery: RecoveryReport?
        /// Damage in the newest segment of a read-only log: reads at `damage.offset` and after fail.
        var damage: LogDamage?
    }

    /// The partition folder.
    public let directory: String
    public let options: PartitionLogOptions
    let state: Mutex<State>
    /// The descriptor holding the writer lock (`.lock` in the folder), -1 for a read-only log.
    private let lockFD: Int32

    /// Opens (creating the folder if needed, unless read-only) the partition in `directory`.
    ///
    /// A writable open takes the writer lock, then checks the tail of the newest segment from its last index
    /// entry: a torn tail (an incomplete last frame, or zero bytes to the end) is cut off (reported through
    /// `options.warn` and `lastRecovery`); damage (a whole frame with a wrong checksum, or a bad frame followed by
    /// valid ones) is never cut, unless `options.cutDamage`: the open fails with a `.corrupt` error whose `cause`
    /// is the `LogDamage`, since appending would reuse the offsets of acknowledged records. A read-only open of a
    /// damaged partition succeeds: `damage` names it, and reads fail at its offset. Older segments are trusted;
    /// only their tails are scanned to learn their newest timestamps. Retention is then applied.
    public init(directory: String, options: PartitionLogOptions = PartitionLogOptions()) throws(LogError) {
        self.directory = directory
        self.options = options
        guard options.segmentBytes > 0, options.segmentBytes <= Int(UInt32.max), options.indexIntervalBytes > 0
        else {
            throw LogError(.invalidArgument, "segment size must be 1 B to 4 GiB and the index interval positive")
        }
        if options.readOnly {
            lockFD = -1
        } else {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard let fd = try LogFile.tryLock((directory as NSString).appendingPathComponent(".lock")) else {
                throw LogError(.partitionLocked, "\(directory) is being written by another process")
            }
            lockFD = fd
        }
        do throws(LogError) {
            let (segments, recovery, damage) = try Self.openSegments(in: directory, options: options)
            let end = segments.last?.nextOffset ?? 0
            // A damaged partition's high watermark includes the damaged offset, so that readers reach it and fail.
            let highWatermark = damage.map { $0.offset + 1 } ?? end
            state = Mutex(
                State(
                    segments: segments, highWatermark: highWatermark, durableOffset: highWatermark, lastSync: .now,
                    recovery: recovery, damage: damage))
            // Read-only, an incomplete last frame is most likely a write in progress, and nothing was repaired.
            if let recovery, !options.readOnly { options.warn("recovered \(recovery)") }
            if !options.readOnly { try applyRetention() }
        } catch {
            if lockFD >= 0 { Foundation.close(lockFD) }
            throw error
        }
    }

    deinit {
        if lockFD >= 0 { Foundation.close(lockFD) }
    }

    /// The base offsets of the `.log` files in `directory`, ascending.
    static func segmentBases(in directory: String) -> [Int64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap(Segment.baseOffset(ofFileName:)).sorted()
    }

    private static func openSegments(in directory: String, options: PartitionLogOptions) throws(LogError)
        -> ([Segment], RecoveryReport?, LogDamage?)
    {
        let bases = segmentBases(in: directory)
        let writable = !options.readOnly
        if bases.isEmpty {
            guard writable else { return ([], nil, nil) }
            let first = try Segment.create(in: directory, base: 0)
            try LogFile.syncDirectory(directory)
            return ([first], nil, nil)
        }
        var segments: [Segment] = []
        var recovery: RecoveryReport?
        var damage: LogDamage?
        for (position, base) in bases.enumerated() {
            let segment = try Segment.open(in: directory, base: base, writable: writable)
            let isLast = position == bases.count - 1
            let tail = try segment.recover(
                indexInterval: options.indexIntervalBytes, repair: writable && isLast, cutDamage: options.cutDamage)
            if !isLast, tail.problem != nil {
                // Older segments were flushed when rolled: damage there is not a torn write. Keep the file whole
                // so that reads of the damaged records fail loudly, while later offsets stay readable.
                let found = LogDamage(
                    offset: segment.nextOffset, path: segment.logPath, position: segment.size,
                    reason: tail.problem ?? "")
                options.warn("older segment: \(found)")
                segment.size = try LogFile.size(segment.fd, path: segment.logPath)
                segment.nextOffset = bases[position + 1]
            } else if !isLast && segment.nextOffset != bases[position + 1] {
                throw LogError(
                    .corrupt,
                    "\(segment.logPath) ends at offset \(segment.nextOffset) but the next segment starts "
                        + "at \(bases[position + 1])")
            }
            if isLast, case .torn(let report) = tail { recovery = report }
            if isLast, case .damaged(let found) = tail {
                guard !writable else {
                    throw LogError(
                        .corrupt,
                        "\(directory): \(found); nothing can be appended here, since the next record would take "
                            + "an offset that an acknowledged record holds. The records before offset "
                            + "\(found.offset) can still be read", cause: found)
                }
                damage = found
            }
            segments.append(segment)
        }
        return (segments, recovery, damage)
    }

    /// The report of the repair done at open, if the newest segment's tail was torn (or damaged and cut with
    /// `options.cutDamage`).
    public var lastRecovery: RecoveryReport? { state.withLock { $0.recovery } }

    /// The damage found in the newest segment of a read-only log (at open or by `refresh()`); nil when none.
    public var damage: LogDamage? { state.withLock { $0.damage } }

    /// The oldest stored offset, the high watermark, sizes and segment count.
    public var stats: PartitionStats {
        state.withLock { state in
            let maxTimestamp = state.segments.map(\.maxTimestamp).max() ?? .min
            return PartitionStats(
                logStartOffset: state.segments.first?.baseOffset ?? state.highWatermark,
                highWatermark: state.highWatermark, durableOffset: state.durableOffset,
                segmentCount: state.segments.count, sizeBytes: state.segments.reduce(0) { $0 + $1.size },
                maxTimestamp: maxTimestamp == .min ? nil : maxTimestamp)
        }
    }

    /// The offset after the last acknowledged record: readers see every record below it.
    public var highWatermark: Int64 { state.withLock { $0.highWatermark } }

    /// The offset after the last record synced to stable storage (of a writer; a read-only log counts what it
    /// found as synced).
    public var durableOffset: Int64 { state.withLock { $0.durableOffset } }

    /// The oldest offset still stored.
    public var logStartOffset: Int64 { state.withLock { $0.segments.first?.baseOffset ?? $0.highWatermark } }

    /// Flushes everything appended so far to stable storage.
    public func sync() throws(LogError) {
        try state.withLock { (state) throws(LogError) in try Self.sync(&state) }
    }

    /// Starts writing what was appended since the last sync to the disk, without waiting. A writer that
    /// syncs several partitions together starts them all first: their data then goes to the disk at once
    /// instead of one partition's after another's sync (measured: the ingest's acknowledgements, README
    /// "Serving", fifth round).
    public func startWriteBack() {
        state.withLock { state in
            guard let active = state.segments.last, active.writable, state.durableOffset < state.highWatermark
            else { return }
            active.startWriteBack()
        }
    }

    static func sync(_ state: inout State) throws(LogError) {
        guard let active = state.segments.last, active.writable else { return }
        if state.durableOffset < state.highWatermark { try active.sync() }
        state.durableOffset = state.highWatermark
        state.lastSync = .now
    }

    /// Flushes (unless the policy is `.never`) and stops accepting appends. Reads keep working.
    public func close() throws(LogError) {
        try state.withLock { (state) throws(LogError) in
            guard !state.closed else { return }
            state.closed = true
            if lockFD >= 0 { flock(lockFD, LOCK_UN) }
            if options.fsync != .never { try Self.sync(&state) }
        }
    }
}
