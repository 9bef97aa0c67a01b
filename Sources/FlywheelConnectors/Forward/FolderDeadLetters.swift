import FlywheelEngine
import Foundation
import Synchronization

/// A dead-letter queue in a folder: JSON lines appended to `dead-letters-<N>.jsonl`.
///
/// Each open writes a file of its own: N is one more than the highest number in the folder when the first
/// letter comes (the file is created exclusively then, so an open that writes nothing leaves nothing), and a
/// restart never writes into an earlier file, whose last line a crash may have torn. Thread-safe: writes are
/// serialized by a lock and each letter's line goes whole into the buffer, which is written out with one
/// `write(2)` when it passes `flushBytes`, on `sync()` (which then fsyncs the file and the folder) and on
/// `close()`. A write that fails is cut off the file again and its lines stay buffered for the next one.
public final class FolderDeadLetters: DeadLetterWriter {
    static let prefix = "dead-letters-"
    static let suffix = ".jsonl"

    private struct State: ~Copyable {
        var buffer: [UInt8] = []
        /// The open file, -1 before the first letter.
        var fd: Int32 = -1
        var name: String?
        /// The file was created since the folder was last fsynced.
        var folderDirty = false
        var closed = false
    }

    /// The folder.
    public let path: String
    private let flushBytes: Int
    private let state = Mutex(State())

    /// Creates the folder `path` (and its parents) when missing.
    public init(path: String, flushBytes: Int = 1 << 20) throws(ConnectorError) {
        try AtomicFile.createFolder(path, what: "dead-letter folder")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ConnectorError(.writeFailed, "dead-letter folder \(path) is a file; name a folder")
        }
        self.path = path
        self.flushBytes = flushBytes
    }

    deinit { close() }

    /// The name of the file this writer appends to; nil before the first letter.
    public var fileName: String? { state.withLock { $0.name } }

    /// The number N of `dead-letters-N.jsonl`, for a file name of that form.
    static func number(ofFileName name: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
            return nil
        }
        return Int(digits)
    }

    static func fileName(_ number: Int) -> String { "\(prefix)\(number)\(suffix)" }

    public func write(_ letters: [DeadLetter]) throws(ConnectorError) {
        let lines = letters.map { $0.jsonLine() }
        try state.withLock { (state) throws(ConnectorError) in
            guard !state.closed else {
                throw ConnectorError(.writeFailed, "dead-letter folder \(path) is closed; nothing more can be written")
            }
            for line in lines { state.buffer.append(contentsOf: line) }
            if state.buffer.count >= flushBytes { try flush(&state) }
        }
    }

    /// Writes out what is buffered, fsyncs the file and (after it was created) the folder.
    public func sync() throws(ConnectorError) {
        try state.withLock { (state) throws(ConnectorError) in
            guard !state.closed else { return }
            try sync(&state)
        }
    }

    /// Syncs and closes the file. A failure is reported on standard error: a caller that must know calls
    /// `sync()` first.
    public func close() {
        state.withLock { state in
            guard !state.closed else { return }
            do throws(ConnectorError) {
                try sync(&state)
            } catch {
                FileHandle.standardError.write(Data("warning: \(error.message)\n".utf8))
            }
            state.closed = true
            if state.fd >= 0 { Foundation.close(state.fd) }
            state.fd = -1
        }
    }

    private func sync(_ state: inout State) throws(ConnectorError) {
        try flush(&state)
        guard state.fd >= 0 else { return }
        guard fsync(state.fd) == 0 else {
            throw ConnectorError(.writeFailed, "cannot fsync \(file(state.name)): \(Descriptor.reason(errno))")
        }
        if state.folderDirty {
            try AtomicFile.syncFolder(path)
            state.folderDirty = false
        }
    }

    /// Writes the buffer to the file (created first if needed). On failure the buffer is kept and whatever
    /// part of it reached the file is cut off again, so that the file holds whole lines only.
    private func flush(_ state: inout State) throws(ConnectorError) {
        guard !state.buffer.isEmpty else { return }
        if state.fd < 0 { try create(&state) }
        let fd = state.fd
        let end = lseek(fd, 0, SEEK_END)
        if let failure = state.buffer.withUnsafeBytes({ Descriptor.writeAll(fd, $0) }) {
            if end >= 0 { _ = ftruncate(fd, end) }
            throw ConnectorError(.writeFailed, "cannot write \(file(state.name)): \(Descriptor.reason(failure))")
        }
        state.buffer.removeAll(keepingCapacity: true)
    }

    /// Creates `dead-letters-N.jsonl`, N one more than the highest in the folder (the next one up when
    /// another writer takes N first).
    private func create(_ state: inout State) throws(ConnectorError) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var number = (names.compactMap(Self.number(ofFileName:)).max() ?? 0) + 1
        while true {
            let name = Self.fileName(number)
            let fd = open(file(name), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 {
                state.fd = fd
                state.name = name
                state.folderDirty = true
                return
            }
            guard errno == EEXIST else {
                throw ConnectorError(
                    .writeFailed, "cannot create \(file(name)): \(Descriptor.reason(errno))")
            }
            number += 1
        }
    }

    private func file(_ name: String?) -> String { (path as NSString).appendingPathComponent(name ?? "") }
}
