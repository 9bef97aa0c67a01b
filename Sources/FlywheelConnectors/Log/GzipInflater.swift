import CZlib

/// Streaming gunzip with zlib's `inflate`: one or more gzip members back to back, fed in pieces as they arrive.
final class GzipInflater {
    private let name: String
    private var stream = z_stream()
    private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    /// Compressed bytes fed so far, for messages.
    private var consumed = 0
    /// A member has started and not ended.
    private var inMember = false

    init(name: String) throws(LogError) {
        self.name = name
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            output.deallocate()
            throw LogError(.readFailed, "cannot read \(name): zlib could not start")
        }
    }

    deinit {
        inflateEnd(&stream)
        output.deallocate()
    }

    /// Inflates `bytes`, handing the uncompressed bytes to `body` as they come.
    func feed(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) throws(LogError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = UInt32(bytes.count)
        let start = consumed
        inMember = true
        while true {
            stream.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = UInt32(output.count)
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = output.count - Int(stream.avail_out)
            if produced > 0 { body(UnsafeRawBufferPointer(rebasing: output[0..<produced])) }
            consumed = start + bytes.count - Int(stream.avail_in)
            switch status {
            case Z_STREAM_END:
                // The member ended; what follows must be another member.
                inflateReset(&stream)
                inMember = stream.avail_in > 0
                if !inMember { return }
            case Z_OK, Z_BUF_ERROR:
                // Z_BUF_ERROR: no progress was possible, which only happens once the input is used up.
                if stream.avail_in == 0 && stream.avail_out != 0 { return }
                if status == Z_BUF_ERROR && stream.avail_in > 0 { throw invalid() }
            default:
                throw invalid()
            }
        }
    }

    private func invalid() -> LogError {
        LogError(
            .readFailed,
            "cannot read \(name): not valid gzip data near compressed byte \(consumed) "
                + "(a damaged file, or bytes after the end of the gzip stream)")
    }

    /// Checks that the input did not end inside a gzip member.
    func finish() throws(LogError) {
        guard !inMember else {
            throw LogError(
                .readFailed,
                "\(name) ends in the middle of a gzip stream after \(consumed) compressed bytes: it is truncated")
        }
    }
}
