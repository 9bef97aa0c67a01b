import CZlib

/// Inflates a gzip file (one or more concatenated members, as gzip(1) writes and reads them) and
/// tells a clean end from a damaged one: a file that ends inside a member is truncated, and bytes
/// after the last member that do not start another member are trailing garbage. zlib's `gzread`
/// returns the data it got in both cases as if the file had ended well.
final class GzipInflater {
    private var stream = z_stream()
    /// True between the end of one member and the start of the next (or the end of the file).
    private(set) var betweenMembers = false
    /// Compressed bytes consumed so far.
    private(set) var consumed: Int64 = 0
    /// Decompressed bytes produced so far.
    private(set) var produced: Int64 = 0

    init(name: String) throws(ConnectorError) {
        // 16 + 15: a gzip wrapper, 32 KiB window.
        let status = inflateInit2_(&stream, 16 + 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            throw ConnectorError(.readFailed, "cannot start decompressing \(name) (zlib status \(status))")
        }
    }

    deinit {
        inflateEnd(&stream)
    }

    /// What one call of `inflate(from:into:)` did.
    struct Step {
        var consumed: Int
        var produced: Int
    }

    /// Decompresses from `input` into `output`; at a member's end stops and sets `betweenMembers`.
    /// `input` must start with a member's header when `betweenMembers` is true (`startMember()`).
    func inflate(
        from input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, name: String
    ) throws(ConnectorError) -> Step {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = UInt32(input.count)
        stream.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(min(output.count, Int(UInt32.max)))
        let status = CZlib.inflate(&stream, Z_NO_FLUSH)
        let step = Step(
            consumed: input.count - Int(stream.avail_in), produced: output.count - Int(stream.avail_out))
        consumed += Int64(step.consumed)
        produced += Int64(step.produced)
        switch status {
        case Z_OK, Z_BUF_ERROR:
            return step
        case Z_STREAM_END:
            betweenMembers = true
            return step
        default:
            let detail = stream.msg.map { String(cString: $0) } ?? "status \(status)"
            throw ConnectorError(
                .corrupt,
                "\(name) is damaged: gzip data error (\(detail)) at compressed byte \(consumed), after "
                    + "\(produced) decompressed bytes; replace it with an intact copy")
        }
    }

    /// Prepares for the next member of a multi-member file.
    func startMember() {
        inflateReset(&stream)
        betweenMembers = false
    }

    /// The error for a file that ended inside a member.
    func truncated(_ name: String) -> ConnectorError {
        ConnectorError(
            .corrupt,
            "\(name) is truncated: its gzip data ends after \(consumed) compressed bytes, inside a member, having "
                + "given \(produced) decompressed bytes; replace it with a complete copy (gzip -t checks a file)")
    }

    /// The error for bytes after the last member that are not a gzip member.
    func trailingGarbage(_ name: String) -> ConnectorError {
        ConnectorError(
            .corrupt,
            "\(name) has data after the end of its gzip stream (at compressed byte \(consumed), after "
                + "\(produced) decompressed bytes) that is not gzip; replace it with an intact copy "
                + "(gzip -t checks a file)")
    }
}
