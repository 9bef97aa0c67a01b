import FlywheelEngine
import FlywheelSignals
import Foundation

/// One record kind's files in a folder sink (`PATH/KIND/`): the open file and its buffer, the closed
/// files waiting for a checkpoint to commit them (pending), and the counter that names the next file.
///
/// A file is `part-NNNNNNNNNN.jsonl.inprogress` from when it opens until a completed checkpoint covers
/// it, then `part-NNNNNNNNNN.jsonl`; numbers start at 1 and are never reused, so the sorted final
/// names are the kind's release order.
final class FolderSinkKind {
    /// A closed file and the checkpoint whose snapshot covered it (nil: none yet).
    struct Pending {
        var number: Int64
        var checkpoint: Int64?
    }

    /// File numbers have 10 digits.
    static let maximumNumber: Int64 = 9_999_999_999
    static let inProgressSuffix = ".inprogress"
    static let bufferBytes = 1 << 20

    let kind: RecordKind
    let folder: String
    private(set) var nextNumber: Int64 = 1
    private(set) var openNumber: Int64?
    /// Bytes of the open file that reached it (the buffer not included).
    private(set) var openLength: Int64 = 0
    private var descriptor: Int32 = -1
    private var buffer: [UInt8] = []
    /// `JobClock.elapsed()` when the open file opened.
    private var openedAt: Duration = .zero
    private(set) var pending: [Pending] = []
    /// Files were created, renamed or removed in the folder since it was last fsynced.
    var folderChanged = false
    /// The folder was created since the sink folder was last fsynced.
    var folderCreated = false

    init(kind: RecordKind, sinkPath: String) {
        self.kind = kind
        folder = (sinkPath as NSString).appendingPathComponent(kind.name)
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// The open file's size, buffered bytes included.
    var openSize: Int64 { openLength + Int64(buffer.count) }

    func file(_ number: Int64, inProgress: Bool) -> String {
        (folder as NSString).appendingPathComponent(Self.fileName(number, inProgress: inProgress))
    }

    static func fileName(_ number: Int64, inProgress: Bool) -> String {
        let digits = String(number)
        return "part-" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits + ".jsonl"
            + (inProgress ? inProgressSuffix : "")
    }

    /// The number of a file this sink names, or nil for any other name.
    static func parse(_ name: String) -> (number: Int64, inProgress: Bool)? {
        var rest = Substring(name)
        let inProgress = rest.hasSuffix(inProgressSuffix)
        if inProgress { rest = rest.dropLast(inProgressSuffix.count) }
        guard rest.hasPrefix("part-"), rest.hasSuffix(".jsonl") else { return nil }
        let digits = rest.dropFirst(5).dropLast(6)
        guard digits.count == 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int64(digits),
            number >= 1
        else { return nil }
        return (number, inProgress)
    }

    /// Appends `line` to the open file, opening one first (and closing the old one past `age`, or when
    /// `line` would take it past `rollBytes`), and closes the file once it reaches `rollBytes`. So a
    /// file holds at most `rollBytes` bytes, unless it holds a single longer line.
    func append(_ line: [UInt8], now: Duration, rollBytes: Int64, age: Duration) throws(ConnectorError) {
        if openNumber != nil && (now - openedAt >= age || openSize + Int64(line.count) > rollBytes) {
            try closeOpen()
        }
        if openNumber == nil { try openNext(now: now) }
        buffer.append(contentsOf: line)
        if buffer.count >= Self.bufferBytes { try drain() }
        if openSize >= rollBytes { try closeOpen() }
    }

    /// Writes the buffer to the open file (no fsync) and closes the file past `age`.
    func flush(now: Duration, age: Duration) throws(ConnectorError) {
        try drain()
        if openNumber != nil && now - openedAt >= age { try closeOpen() }
    }

    /// Writes the buffer and fsyncs the open file: its `openLength` bytes are durable.
    func syncOpen() throws(ConnectorError) {
        guard let number = openNumber else { return }
        try drain()
        guard fsync(descriptor) == 0 else { throw Self.failure("cannot fsync", file(number, inProgress: true)) }
    }

    /// Closes the open file (written, fsynced); it becomes pending.
    func closeOpen() throws(ConnectorError) {
        guard let number = openNumber else { return }
        try syncOpen()
        close(descriptor)
        descriptor = -1
        openNumber = nil
        openLength = 0
        pending.append(Pending(number: number, checkpoint: nil))
    }

    /// Marks the pending files not yet covered by a snapshot as covered by `checkpoint`'s.
    func stage(checkpoint: Int64) {
        for index in pending.indices where pending[index].checkpoint == nil { pending[index].checkpoint = checkpoint }
    }

    /// Gives their final names to the pending files covered by `checkpoint` or an earlier one (all of
    /// them when nil).
    func finish(upTo checkpoint: Int64?) throws(ConnectorError) {
        while let first = pending.first {
            if let checkpoint, (first.checkpoint ?? .max) > checkpoint { break }
            try finalize(first.number)
            pending.removeFirst()
        }
    }

    /// Renames `.inprogress` file `number` to its final name.
    func finalize(_ number: Int64) throws(ConnectorError) {
        let from = file(number, inProgress: true)
        guard rename(from, file(number, inProgress: false)) == 0 else {
            throw Self.failure("cannot rename", from)
        }
        folderChanged = true
    }

    /// Fsyncs the folder if files changed in it.
    func syncFolder() throws(ConnectorError) {
        guard folderChanged else { return }
        try Self.syncFolder(folder)
        folderChanged = false
    }

    var state: FolderSinkState.Kind {
        FolderSinkState.Kind(
            nextNumber: nextNumber, open: openNumber.map { ($0, openLength) }, pending: pending.map(\.number))
    }

    private func openNext(now: Duration) throws(ConnectorError) {
        guard nextNumber <= Self.maximumNumber else {
            throw ConnectorError(
                .writeFailed, "folder sink \(folder) has used every file number up to \(nextNumber - 1)")
        }
        if mkdir(folder, 0o755) == 0 {
            folderCreated = true
        } else if errno != EEXIST {
            throw Self.failure("cannot create folder", folder)
        }
        // O_EXCL: restore removed every file past the checkpoint, so one that exists was not written by us.
        let name = file(nextNumber, inProgress: true)
        let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.failure("cannot create", name) }
        adopt(fd, number: nextNumber, length: 0, now: now)
        nextNumber += 1
    }

    /// Makes `fd` (file `number`, `length` bytes) the open file.
    func adopt(_ fd: Int32, number: Int64, length: Int64, now: Duration) {
        descriptor = fd
        openNumber = number
        openLength = length
        openedAt = now
        folderChanged = true
        buffer.reserveCapacity(Self.bufferBytes)
    }

    /// Sets the counter, the pending files and nothing open (before `restore` adopts the open file).
    func reset(nextNumber: Int64) {
        self.nextNumber = nextNumber
        pending = []
    }

    private func drain() throws(ConnectorError) {
        guard !buffer.isEmpty, let number = openNumber else { return }
        if let code = buffer.withUnsafeBytes({ Descriptor.writeAll(descriptor, $0) }) {
            throw ConnectorError(
                .writeFailed, "cannot write \(file(number, inProgress: true)): \(Descriptor.reason(code))")
        }
        openLength += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Fsyncs folder `path` (its created, renamed and removed entries become durable).
    static func syncFolder(_ path: String) throws(ConnectorError) { try AtomicFile.syncFolder(path) }

    /// A `.writeFailed` error for `action` on `path`, with the text of the current `errno`.
    static func failure(_ action: String, _ path: String) -> ConnectorError {
        ConnectorError(.writeFailed, "\(action) \(path): \(Descriptor.reason(errno))")
    }
}
