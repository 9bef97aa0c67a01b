import FlywheelSignals
import Foundation

/// What a replay checks before it creates anything, so that a mistake in the command leaves no
/// files behind and the corrected command runs: every input file exists, is a readable file (a
/// regular one when checkpointed: a pipe cannot be resumed) and is not one of the files the replay
/// writes, by any name; `--out` and `--checkpoint-dir` are not files.
enum ReplayPreflight {
    static func check(_ options: ReplayOptions) throws(ConnectorError) {
        let writtenFiles = writtenFiles(options)
        let written = Set(writtenFiles.map(CanonicalPath.of))
        // By file identity too: a hard link to an output file has another name but the same bytes.
        let writtenIdentities = Set(writtenFiles.compactMap(identity))
        for input in options.inputs
        where input != "-" && ReplaySource.topicName(of: input) == nil && !ReplayOptions.isExternal(input) {
            let status = try checkReadable(input)
            if written.contains(CanonicalPath.of(input)) || writtenIdentities.contains(identity(of: status)) {
                throw ConnectorError(
                    .inputIsOutput,
                    "input \(input) is a file this replay writes in --out \(options.outputPath), so it would be "
                        + "overwritten before it is read: move the input out of the folder or choose another --out")
            }
            if options.checkpointDir != nil && (status.st_mode & S_IFMT) != S_IFREG {
                throw ConnectorError(
                    .readFailed,
                    "--checkpoint-dir needs seekable inputs: \(input) is not a regular file (a pipe or a device), "
                        + "so it cannot be resumed; replay it without --checkpoint-dir, or save it to a file first")
            }
        }
        try checkFolder(options.outputPath, flag: "--out")
        if let checkpointDir = options.checkpointDir { try checkFolder(checkpointDir, flag: "--checkpoint-dir") }
    }

    /// The files a replay writes in its output folder (final and temporary names) and its exports.
    static func writtenFiles(_ options: ReplayOptions) -> [String] {
        let folder = options.outputPath as NSString
        var names = OutputFolder.fileNames.flatMap { [$0, $0 + OutputFolder.inProgressSuffix] }
        names += ["summary.json", "summary.json" + AtomicFile.temporarySuffix]
        return names.map { folder.appendingPathComponent($0) }
            + options.config.exports.map { $0.file.hasPrefix("/") ? $0.file : folder.appendingPathComponent($0.file) }
    }

    /// A file's device and inode: two names for the same bytes have the same.
    struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    private static func identity(of status: stat) -> Identity {
        Identity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// The identity of the file at `path`; nil when there is none.
    private static func identity(_ path: String) -> Identity? {
        var status = stat()
        return stat(path, &status) == 0 ? identity(of: status) : nil
    }

    /// Checks that `path` is a readable file (not a directory) and returns its status.
    private static func checkReadable(_ path: String) throws(ConnectorError) -> stat {
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT || errno == ENOTDIR {
                throw ConnectorError(.inputNotFound, "input file not found: \(path) (check the path)")
            }
            throw ConnectorError(.readFailed, "cannot read input \(path): \(String(cString: strerror(errno)))")
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw ConnectorError(
                .inputIsDirectory, "input is a directory, not a JSONL file: \(path) (name the files in it)")
        }
        // A FIFO is not opened: a reader that comes and goes lets a waiting writer start, and then
        // kills it with SIGPIPE when it closes.
        let readable: Bool
        if (status.st_mode & S_IFMT) == S_IFIFO {
            readable = access(path, R_OK) == 0
        } else {
            let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            readable = fd >= 0
            if readable { close(fd) }
        }
        guard readable else {
            throw ConnectorError(.readFailed, "cannot read input \(path): \(String(cString: strerror(errno)))")
        }
        return status
    }

    private static func checkFolder(_ path: String, flag: String) throws(ConnectorError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ConnectorError(
                .writeFailed, "\(flag) \(path) is a file, not a folder: name a folder (it is created if missing)")
        }
    }
}
