import CZlib
import Foundation

/// Reads the bytes of an input file, a gzip file (detected from its content, whatever its name)
/// or standard input ("-"), through zlib's transparent reader.
final class ByteSource {
    private let handle: gzFile
    let name: String

    /// Opens `path`; "-" is standard input. A missing file or a directory is a precise error.
    init(path: String) throws(ConnectorError) {
        name = path
        if path == "-" {
            guard let handle = gzdopen(dup(STDIN_FILENO), "rb") else {
                throw ConnectorError(.readFailed, "cannot read standard input")
            }
            self.handle = handle
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ConnectorError(.inputNotFound, "input file not found: \(path)")
            }
            if isDirectory.boolValue {
                throw ConnectorError(.inputIsDirectory, "input is a directory, not a JSONL file: \(path)")
            }
            guard let handle = gzopen(path, "rb") else {
                throw ConnectorError(.readFailed, "cannot open input \(path): \(String(cString: strerror(errno)))")
            }
            self.handle = handle
        }
        gzbuffer(handle, 1 << 18)
    }

    deinit { gzclose(handle) }

    /// Moves to byte `offset` of the (decompressed) input. Standard input cannot seek.
    func seek(to offset: Int64) throws(ConnectorError) {
        guard offset > 0 else { return }
        guard name != "-" else { throw ConnectorError(.readFailed, "standard input cannot be resumed at an offset") }
        if gzseek(handle, Int(offset), SEEK_SET) < 0 {
            throw ConnectorError(.readFailed, "cannot seek to byte \(offset) of \(name)")
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the input.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConnectorError) -> Int {
        let count = gzread(handle, buffer.baseAddress, UInt32(min(buffer.count, Int(Int32.max))))
        if count < 0 {
            var code: Int32 = 0
            let message = gzerror(handle, &code).map { String(cString: $0) } ?? "unknown error"
            throw ConnectorError(.readFailed, "cannot read \(name): \(message)")
        }
        return Int(count)
    }
}
