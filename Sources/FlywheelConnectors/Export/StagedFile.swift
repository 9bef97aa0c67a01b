import FlywheelEngine
import Foundation

/// A file written as `path` + ".tmp" through a 1 MiB buffer and renamed to `path` by `commit()`;
/// `discard()` removes it, leaving any earlier file at `path` as it was.
final class StagedFile {
    let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private(set) var lines = 0

    init(path: String) throws(ExportError) {
        self.path = path
        temporaryPath = path + AtomicFile.temporarySuffix
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ExportError(.writeFailed, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func append(_ line: [UInt8]) throws(ExportError) {
        buffer.append(contentsOf: line)
        lines += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    func commit() throws(ExportError) {
        try flush()
        let synced = fsync(descriptor) == 0 ? 0 : errno
        close(descriptor)
        descriptor = -1
        guard synced == 0 else { throw failure("cannot write \(temporaryPath)", synced) }
        do throws(ConnectorError) {
            try AtomicFile.commit(path)
        } catch {
            throw ExportError(.writeFailed, error.message)
        }
    }

    func discard() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }

    private func flush() throws(ExportError) {
        let code = buffer.withUnsafeBytes { Descriptor.writeAll(descriptor, $0) }
        if let code { throw failure("cannot write \(temporaryPath)", code) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func failure(_ what: String, _ code: Int32) -> ExportError {
        ExportError(.writeFailed, "\(what): \(String(cString: strerror(code)))")
    }
}
