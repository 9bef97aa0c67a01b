import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// The `folder` sink: JSON Lines files per record kind under `PATH/KIND/`, rolled by size and age and
/// committed at checkpoints, as Flink's FileSink does (in progress, pending, finished).
///
/// A kind's folder is created when its first record arrives. Its files are numbered from 1 and never
/// reuse a number, so sorting the final names (`part-0000000001.jsonl`, ...) gives the kind's release
/// order. The open file is `part-N.jsonl.inprogress`; it rolls (closes, and the next record opens a
/// new one) once it holds `rollBytes` or has been open `rollAgeMs` of the job clock's time (checked
/// on every write and flush). A closed file is pending: it keeps its `.inprogress` name until the
/// checkpoint whose snapshot covered it completes (`commit`), then gets its final name. Readers read
/// final names only; each record is in them exactly once, after any crash and `restore`.
///
/// The sink writes through a 1 MiB buffer per kind; `flush` writes the buffers out (no fsync),
/// `snapshot` also fsyncs.
public final class RollingFolderSink: Sink, @unchecked Sendable {
    // @unchecked: one sink task calls it at a time (the `Sink` contract), so its state needs no lock.
    public let path: String
    private let rollBytes: Int64
    private let rollAge: Duration
    private let clock: JobClock
    /// By `RecordKind.rawValue`; a kind touches the disk only when its first record arrives.
    private let kinds: [FolderSinkKind]

    /// A sink writing under `path` (refused when it is a file); nothing touches the disk before `restore`.
    public init(path: String, rollBytes: Int64, rollAgeMs: Int64, clock: JobClock) throws(ConnectorError) {
        guard !path.isEmpty else { throw ConnectorError(.invalidOption, "a folder sink needs a path") }
        guard rollBytes >= 1 else {
            throw ConnectorError(.invalidOption, "folder sink \(path): roll_bytes must be at least 1 byte")
        }
        guard rollAgeMs >= 1 else {
            throw ConnectorError(.invalidOption, "folder sink \(path): roll_age must be at least 1 ms")
        }
        try Self.refuseFile(at: path)
        self.path = path
        self.rollBytes = rollBytes
        rollAge = .milliseconds(rollAgeMs)
        self.clock = clock
        kinds = RecordKind.allCases.map { FolderSinkKind(kind: $0, sinkPath: path) }
    }

    /// Creates `path` (first run, `state` nil) or brings it back to the snapshot `state` came from;
    /// see `FolderSinkKind.restore`. Nothing changes unless every kind's folder can be restored. A
    /// first run refuses a folder that already holds final part files (an earlier job's output) and
    /// removes `.inprogress` ones (a run that never completed a checkpoint); files it does not name
    /// are never touched.
    public func restore(_ state: [UInt8]?) async throws(ConnectorError) {
        let saved = try state.map { bytes throws(ConnectorError) in try FolderSinkState(decoding: bytes, path: path) }
        try Self.refuseFile(at: path)
        let existed = FileManager.default.fileExists(atPath: path)
        try AtomicFile.createFolder(path, what: "folder sink")
        if !existed { try FolderSinkKind.syncFolder(Self.parent(of: path)) }
        // Every kind is checked before any file changes.
        let states = kinds.map { saved?.kinds[$0.kind] ?? FolderSinkState.Kind() }
        var inProgress: [Set<Int64>] = []
        for (files, kindState) in zip(kinds, states) {
            inProgress.append(try files.checkRestore(kindState, firstRun: saved == nil))
        }
        let now = clock.elapsed()
        for index in kinds.indices {
            try kinds[index].restore(states[index], inProgress: inProgress[index], now: now)
        }
        try syncFolders()
    }

    /// Appends each record's line to its kind's open file.
    public func write(_ records: [SignalRecord]) async throws(ConnectorError) {
        let now = clock.elapsed()
        for record in records {
            try kinds[record.kind.rawValue].append(record.line, now: now, rollBytes: rollBytes, age: rollAge)
        }
    }

    /// Writes the buffers to the files (no fsync) and rolls the files open for `rollAgeMs` or longer.
    public func flush() async throws(ConnectorError) {
        let now = clock.elapsed()
        for files in kinds { try files.flush(now: now, age: rollAge) }
    }

    /// Flushes and fsyncs every file, and returns what `restore` needs: per kind, the next file number,
    /// the open file and its length, the pending files. `closing`: every open file is closed first, so
    /// that after `commit` nothing is `.inprogress`.
    public func snapshot(checkpoint: Int64, closing: Bool) async throws(ConnectorError) -> [UInt8] {
        let now = clock.elapsed()
        var state = FolderSinkState()
        for files in kinds {
            try files.flush(now: now, age: rollAge)
            if closing { try files.closeOpen() } else { try files.syncOpen() }
            files.stage(checkpoint: checkpoint)
            if files.nextNumber > 1 { state.kinds[files.kind] = files.state }
        }
        try syncFolders()
        return state.encoded()
    }

    /// Gives their final names to the files pending at `checkpoint`'s snapshot (or an earlier one's)
    /// and fsyncs the folders. Files closed after that snapshot wait for the next checkpoint.
    public func commit(checkpoint: Int64) async throws(ConnectorError) {
        for files in kinds { try files.finish(upTo: checkpoint) }
        try syncFolders()
    }

    /// `.finished` (bounded sources, no later checkpoint): closes every file and gives it its final
    /// name. A checkpointed job should take a closing checkpoint first, so that every final name is
    /// covered by a checkpoint: a restore from an older one refuses final files it does not know. `.stopped`: the final checkpoint committed everything; files written since (none, in the
    /// job's call order) stay `.inprogress` for the next restore to remove.
    public func close(_ end: JobEnd) async throws(ConnectorError) {
        guard case .finished = end else { return }
        for files in kinds {
            try files.closeOpen()
            try files.finish(upTo: nil)
        }
        try syncFolders()
    }

    /// The folder holding `path` ("." for a bare name).
    /// A sink path that is a file (checked when the sink is made, and again at `restore`).
    static func refuseFile(at path: String) throws(ConnectorError) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            throw ConnectorError(.writeFailed, "folder sink \(path) is a file, not a folder: choose another path")
        }
    }

    static func parent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.last == "/" { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Fsyncs the kind folders whose entries changed, then the sink folder if a kind folder is new.
    private func syncFolders() throws(ConnectorError) {
        var created = false
        for files in kinds {
            try files.syncFolder()
            created = created || files.folderCreated
        }
        guard created else { return }
        try FolderSinkKind.syncFolder(path)
        for files in kinds { files.folderCreated = false }
    }
}
