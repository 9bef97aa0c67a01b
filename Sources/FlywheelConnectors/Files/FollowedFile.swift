import FlywheelRuntime
import Foundation

/// A file read as `tail -F` reads it: by name, across appends, truncation and rotation. Reads never
/// wait for data; they return `.caughtUp` when nothing more is there, and the path is looked at
/// (stat(2)) only then.
///
/// - A line is handed over once its "\n" has arrived; a partial last line waits for the rest.
/// - Truncation (the file is now shorter than what was read; also logrotate's `copytruncate`): the
///   file is read again from its start, lines numbered from 1. What was buffered of a partial line
///   is dropped. A file truncated and refilled past the read offset between two looks is not seen
///   as truncated (as with `tail -F`).
/// - Rotation (the path names another file: rename or delete, then create): once the new file has
///   its first bytes, the old one is read to its end, its partial last line handed over as a line,
///   and the new file is read from its start, lines numbered from 1. Until then, what is still
///   appended to the old file is read (the writer has not reopened yet; Fluent Bit's `rotate_wait`
///   serves the same purpose). A missing path (between a rename and the create, or at start) is
///   not an error: reads return `.caughtUp` and look again.
/// - Resume: at a checkpoint's position when the path names the same file (device and inode) and it
///   is not shorter than the position; otherwise from the start of the file, with `resumeWarning`.
///   Lines appended to a file after the checkpoint and before it was rotated away while the job was
///   stopped cannot be found (the rotated file's name is unknown) and are not read.
///   The bytes are not compared: a file truncated and refilled past the position while the job was
///   stopped is read on from the position.
/// - gzip files cannot be followed (replay reads them).
final class FollowedFile {
    let path: String
    private let maxLineBytes: Int
    /// Reads the file the path named when it was last opened; nil until the path names one.
    private var reader: LineReader?
    private var identity: UInt64 = 0
    /// The path names another file: read the old one to its end, then switch.
    private var rotated = false
    /// Applies to the first file opened.
    private var pendingResume: InputPosition?
    /// Why a resume could not continue where the checkpoint stopped, for the user; nil otherwise.
    private(set) var resumeWarning: String?

    /// The file the lines just delivered came from: its device and inode (never 0 once a file was opened).
    var fileID: UInt64 { identity }

    init(path: String, maxLineBytes: Int, resumeAt: InputPosition?) throws(ConnectorError) {
        self.path = path
        self.maxLineBytes = maxLineBytes
        pendingResume = resumeAt.flatMap { $0.file == 0 && $0.offset == 0 ? nil : $0 }
        _ = try openPath()
    }

    /// Hands up to `maxLines` complete lines to `body`: (line number in the current file, byte offset
    /// just past the line, content). `.more` when it delivered lines or more may be read at once,
    /// `.caughtUp` when nothing more is there now; never `.ended`. The lines of one call all come
    /// from the file `fileID` names.
    func read(maxLines: Int, _ body: (Int64, Int64, LineContent) -> Void) throws(ConnectorError) -> ReadStatus {
        while true {
            guard let reader else {
                guard try openPath() else { return .caughtUp }
                continue
            }
            if try reader.readLines(maxLines: maxLines, body) == .more { return .more }
            if rotated {
                if reader.deliverPartialLine(body) { return .more }
                self.reader = nil
                rotated = false
                continue
            }
            switch lookAtPath(readOffset: reader.readOffset) {
            case .unchanged: return .caughtUp
            case .truncated: try reader.restart()
            case .replaced: rotated = true
            }
        }
    }

    func close() { reader = nil }

    private enum PathChange { case unchanged, truncated, replaced }

    /// What became of the path since the file being read was opened. A missing path is unchanged
    /// (look again later), and so is a new file without bytes yet (the writer may still append to
    /// the old one).
    private func lookAtPath(readOffset: Int64) -> PathChange {
        var status = stat()
        guard stat(path, &status) == 0 else { return .unchanged }
        if Self.identity(of: status) != identity {
            return status.st_size > 0 ? .replaced : .unchanged
        }
        return Int64(status.st_size) < readOffset ? .truncated : .unchanged
    }

    /// Opens the file the path names; false when there is none (yet).
    private func openPath() throws(ConnectorError) -> Bool {
        // O_NONBLOCK: a FIFO at the path must not block open(2); it is refused below.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT { return false }
            throw ConnectorError(
                .readFailed,
                "cannot open the followed file \(path): \(String(cString: strerror(errno))); check its permissions")
        }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            Foundation.close(fd)
            let isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
            throw ConnectorError(
                isDirectory ? .inputIsDirectory : .readFailed,
                "the followed file \(path) is \(isDirectory ? "a directory" : "not a regular file"); "
                    + "`follow: true` reads regular files")
        }
        let source = try ByteSource(descriptor: fd, name: path)
        guard !source.isGzip else {
            throw ConnectorError(
                .readFailed,
                "the followed file \(path) is gzip-compressed and cannot be followed; follow the uncompressed "
                    + "file, or read this one without `follow: true` (replay reads gzip)")
        }
        let opened = LineReader(source: source, maxLineBytes: maxLineBytes, followsGrowth: true)
        identity = Self.identity(of: status)
        if let position = pendingResume {
            pendingResume = nil
            try resume(opened, at: position, size: Int64(status.st_size))
        }
        reader = opened
        return true
    }

    /// Continues at `position` when it is in this file; otherwise starts at 0 and says why.
    private func resume(_ opened: LineReader, at position: InputPosition, size: Int64) throws(ConnectorError) {
        if position.file != identity {
            resumeWarning =
                "\(path) is not the file the checkpoint was reading (it was rotated while the job was stopped): "
                + "reading it from its start; lines appended to the old file after the checkpoint are not read"
        } else if size < position.offset {
            resumeWarning =
                "\(path) is shorter (\(size) bytes) than where the checkpoint stopped (byte \(position.offset)): "
                + "it was truncated while the job was stopped; reading it from its start"
        } else {
            try opened.resume(at: position.offset, lineNumber: position.line)
        }
    }

    /// A file's device and inode as one value, never 0.
    static func identity(of status: stat) -> UInt64 {
        let value = (UInt64(truncatingIfNeeded: status.st_dev) << 32) ^ UInt64(truncatingIfNeeded: status.st_ino)
        return value == 0 ? 1 : value
    }
}
