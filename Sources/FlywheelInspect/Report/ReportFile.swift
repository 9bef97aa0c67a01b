import FlywheelConnectors
import Foundation

/// Writes a report file with POSIX calls, so a failure is told as "what is wrong, where, what to do" rather
/// than a Foundation error domain and code.
enum ReportFile {
    /// Writes `bytes` to `path` atomically (temporary name, fsync, rename: `AtomicFile`).
    static func write(_ bytes: [UInt8], to path: String) throws(InspectError) {
        try checkPath(path)
        do throws(ConnectorError) {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw InspectError(.writeFailed, error.message)
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
}
