import Foundation

/// When appended data is flushed to stable storage.
///
/// A record is *acknowledged* when `PartitionLog.append` returns. Data written with `write(2)` lives in the
/// kernel's page cache, which survives a crash of the process (kill -9, a trap) but not of the machine (power
/// loss, kernel panic). The policy decides how much acknowledged data a machine crash may take:
public enum FsyncPolicy: Sendable, Equatable {
    /// `fdatasync` before every append returns: nothing acknowledged is ever lost; costs one flush per batch,
    /// so batch generously (the producer uses about 1 MiB).
    case everyBatch
    /// `fdatasync` on the first append after `interval` has passed since the last one (and on `sync()` and
    /// `close()`): a machine crash loses what was acknowledged since the last flush, at most about `interval`
    /// while appends keep coming (there is no timer: an idle writer calls `sync()`); a process crash nothing.
    case interval(Duration)
    /// Never flush explicitly (the kernel writes back within about 30 s): fastest; a process crash loses
    /// nothing, a machine crash may lose anything not yet written back.
    case never
}

/// The settings of an open partition: durability, segment size, index density, retention, access mode.
public struct PartitionLogOptions: Sendable {
    /// When appends are flushed to disk; see `FsyncPolicy`.
    public var fsync: FsyncPolicy = .everyBatch
    /// A segment is closed (rolled) once its data file would grow past this size; at most 4 GiB.
    public var segmentBytes = 64 << 20
    /// The sparse index gets an entry every this many bytes of data.
    public var indexIntervalBytes = 4096
    /// Whole old segments are deleted while the partition is larger than this; nil keeps everything.
    public var retentionBytes: Int?
    /// Whole old segments whose newest record is older than this (milliseconds) are deleted; nil keeps them.
    public var retentionMillis: Int64?
    /// For a writable open: cut damage off the newest segment like a torn tail (the records from the damaged one on
    /// are lost, and their offsets go to the next records appended) instead of refusing to open. For repairs only.
    public var cutDamage = false
    /// Read-only: no lock, no repair, no retention; `refresh()` picks up what a writer in another process adds.
    public var readOnly = false
    /// The wall clock in milliseconds since the Unix epoch, used for retention by age.
    public var clock: @Sendable () -> Int64 = { LogFile.wallClockMillis() }
    /// Called with a one-line message when an open repairs a torn or corrupt tail (default: standard error).
    public var warn: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    public init() {}
}

/// The size and offsets of one partition at a moment.
public struct PartitionStats: Sendable, Equatable {
    /// The oldest offset still stored (retention moves it forward).
    public var logStartOffset: Int64
    /// The offset the next appended record gets; readers see every offset below it.
    public var highWatermark: Int64
    /// The end of the data known to be flushed to stable storage.
    public var durableOffset: Int64
    /// Number of segment files.
    public var segmentCount: Int
    /// Bytes of record frames in all segments.
    public var sizeBytes: Int
    /// The newest timestamp known (of the records scanned at open or appended since); nil when unknown.
    public var maxTimestamp: Int64?

    /// Number of records stored.
    public var recordCount: Int64 { highWatermark - logStartOffset }
}
