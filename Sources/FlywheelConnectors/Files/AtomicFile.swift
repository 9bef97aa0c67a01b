import CFileIO
import FlywheelEngine
import Foundation

/// Writes a file so that readers see either the old content or the new one, never a mix:
/// write to `NAME.tmp`, fsync, rename, fsync the folder. A crash can leave `NAME.tmp` behind;
/// whoever writes `NAME` next removes it.
public enum AtomicFile {
    public static let temporarySuffix = ".tmp"

    public static func write(_ bytes: [UInt8], to path: String) throws(ConnectorError) {
        try writeTemporary(bytes, for: path)
        try commit(path)
    }

    /// The first half of `write`: `bytes` in `NAME.tmp`, fsynced. What can fail for lack of space
    /// fails here, before anything has a final name.
    static func writeTemporary(_ bytes: [UInt8], for path: String) throws(ConnectorError) {
        _ = try writeTemporary(for: path) { emit in try bytes.withUnsafeBytes { try emit($0) } }
    }

    /// `write` for content made in pieces (a checkpoint's state, without gathering it in one buffer): `produce`
    /// hands each piece to the closure it is given, which writes it at once. Returns the file's size.
    public static func write(
        to path: String, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws(ConnectorError) -> Int {
        let size = try writeTemporary(for: path, produce)
        try commit(path)
        return size
    }

    /// Bytes written between two write-backs of a large file.
    static let syncPiece = 256 << 10

    /// The first half of `write(to:)`: the pieces in `NAME.tmp`, fsynced; returns the size. A large file (a
    /// checkpoint of a live service's state: hundreds of MB) has each `syncPiece` bytes written back to the
    /// disk (`sync_file_range`, waited for) as soon as they are written, and one fsync at the end. Otherwise its
    /// dirty pages would pile up, and every other fsync of the process (the ingest's group commits, which
    /// acknowledge requests) would wait for them: on ext4 a journal commit first writes the data of every
    /// block allocated in its transaction. A write-back commits no journal transaction, which an `fdatasync`
    /// per piece did (its cost showed in the acknowledgements' p99).
    static func writeTemporary(
        for path: String, _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws(ConnectorError) -> Int {
        let temporary = path + temporarySuffix
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ConnectorError(.writeFailed, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        struct WriteFailed: Error { let code: Int32 }
        var size = 0
        var unsynced = 0
        var failure: Int32?
        do {
            try produce { piece in
                var rest = piece
                while !rest.isEmpty {
                    let part = UnsafeRawBufferPointer(rebasing: rest.prefix(syncPiece - unsynced))
                    if let code = Descriptor.writeAll(fd, part) { throw WriteFailed(code: code) }
                    size += part.count
                    unsynced += part.count
                    rest = UnsafeRawBufferPointer(rebasing: rest.dropFirst(part.count))
                    if unsynced == syncPiece {
                        let code = flywheel_write_back(fd, Int64(size - unsynced), Int64(unsynced))
                        if code != 0 { throw WriteFailed(code: code) }
                        unsynced = 0
                    }
                }
            }
            if fsync(fd) != 0 { failure = errno }
        } catch let error as WriteFailed {
            failure = error.code
        } catch {
            close(fd)
            unlink(temporary)
            throw ConnectorError(.writeFailed, "cannot write \(temporary): \(error)")
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw ConnectorError(.writeFailed, "cannot write \(temporary): \(String(cString: strerror(failure)))")
        }
        return size
    }

    /// The second half of `write`: renames `NAME.tmp` to `path` and syncs the folder.
    public static func commit(_ path: String) throws(ConnectorError) {
        let temporary = path + temporarySuffix
        guard rename(temporary, path) == 0 else {
            throw ConnectorError(.writeFailed, "cannot rename \(temporary): \(String(cString: strerror(errno)))")
        }
        let parent = (path as NSString).deletingLastPathComponent
        try syncFolder(parent.isEmpty ? "." : parent)
    }

    /// Fsyncs folder `path`: the entries created, renamed and removed in it become durable.
    public static func syncFolder(_ path: String) throws(ConnectorError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConnectorError(.writeFailed, "cannot open folder \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw ConnectorError(.writeFailed, "cannot fsync folder \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Creates folder `path` and its missing parents; `what` names it in the error ("output folder").
    public static func createFolder(_ path: String, what: String) throws(ConnectorError) {
        var missing: [String] = []
        var current = Substring(path)
        while current.last == "/" && current.count > 1 { current = current.dropLast() }
        while !current.isEmpty && current != "/" && !FileManager.default.fileExists(atPath: String(current)) {
            missing.insert(String(current), at: 0)
            // The parent: up to the last "/" (Foundation's deletingLastPathComponent traps on some inputs).
            current = current.lastIndex(of: "/").map { current[..<$0] } ?? ""
        }
        for folder in missing where mkdir(folder, 0o755) != 0 && errno != EEXIST {
            throw ConnectorError(.writeFailed, "cannot create \(what) \(folder): \(String(cString: strerror(errno)))")
        }
    }
}
