import Foundation

/// Writes a report file with POSIX calls, so a failure is told as "what is wrong, where, what to do" rather
/// than a Foundation error domain and code.
enum ReportFile {
    /// Writes `bytes` to `path + ".tmp"`, then renames it to `path`.
    static func write(_ bytes: [UInt8], to path: String) throws(InspectError) {
        try checkPath(path)
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create \(temporary)", errno) }
        var code: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let written = Foundation.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    code = errno
                    return
                }
                offset += written
            }
        }
        if code == 0 && fsync(descriptor) != 0 { code = errno }
        close(descriptor)
        if code == 0 && rename(temporary, path) != 0 { code = errno }
        guard code == 0 else {
            unlink(temporary)
            throw failure("cannot write \(path)", code)
        }
    }

    /// Refuses a folder and a path whose folder is missing, before anything is created.
    static func checkPath(_ path: String) throws(InspectError) {
        var isDirectory: ObjCBool = false
        if path.isEmpty || path.hasSuffix("/")
            || FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        {
            throw InspectError(
                .writeFailed,
                "cannot write \(path): it is a folder; -o names the HTML file to write, e.g. -o "
                    + (path.hasSuffix("/") ? path : path + "/") + "report.html")
        }
        let parent = (path as NSString).deletingLastPathComponent
        guard parent.isEmpty || FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory) else {
            throw InspectError(
                .writeFailed, "cannot write \(path): the folder \(parent) does not exist; create it first (mkdir -p)")
        }
        guard isDirectory.boolValue || parent.isEmpty else {
            throw InspectError(.writeFailed, "cannot write \(path): \(parent) is a file, not a folder")
        }
    }

    private static func failure(_ what: String, _ code: Int32) -> InspectError {
        InspectError(.writeFailed, "\(what): \(String(cString: strerror(code)))")
    }
}
