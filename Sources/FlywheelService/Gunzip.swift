import CZlib

/// Inflates a gzip request body (one or more members) with a limit on the decompressed size.
enum Gunzip {
    /// The decompressed bytes of `input`. Throws `bodyTooLarge` past `limit` decompressed bytes, `malformedBody`
    /// for data that is not gzip, ends inside a member, or has bytes after the last member that are not gzip.
    static func inflate(_ input: [UInt8], limit: Int) throws(ServiceError) -> [UInt8] {
        var stream = z_stream()
        // 16 + 15: a gzip wrapper, 32 KiB window.
        guard inflateInit2_(&stream, 16 + 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ServiceError(.malformedBody, "cannot start decompressing the body (zlib)")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var position = 0
        var ended = false
        while true {
            let step = input.withUnsafeBytes { source in
                chunk.withUnsafeMutableBytes { target in
                    stream.next_in = UnsafeMutablePointer(
                        mutating: source.baseAddress?.advanced(by: position).assumingMemoryBound(to: Bytef.self))
                    stream.avail_in = UInt32(input.count - position)
                    stream.next_out = target.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = UInt32(target.count)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return (
                        status: status, consumed: input.count - position - Int(stream.avail_in),
                        produced: target.count - Int(stream.avail_out)
                    )
                }
            }
            position += step.consumed
            guard output.count + step.produced <= limit else {
                throw ServiceError(.bodyTooLarge, "the decompressed body is larger than max_body (\(limit) bytes)")
            }
            output.append(contentsOf: chunk[0..<step.produced])
            switch step.status {
            case Z_STREAM_END:
                ended = true
                guard position < input.count else { return output }
                guard input.count - position >= 2, input[position] == 0x1F, input[position + 1] == 0x8B else {
                    throw ServiceError(
                        .malformedBody,
                        "the gzip body has bytes after its end that are not gzip (at compressed byte \(position))")
                }
                inflateReset(&stream)
                ended = false
            case Z_OK, Z_BUF_ERROR:
                if step.consumed == 0 && step.produced == 0 {
                    guard ended else {
                        throw ServiceError(
                            .malformedBody,
                            "the gzip body is truncated: it ends inside a member (Content-Encoding: gzip)")
                    }
                    return output
                }
            default:
                let detail = stream.msg.map { String(cString: $0) } ?? "status \(step.status)"
                throw ServiceError(
                    .malformedBody,
                    "the body is not valid gzip (\(detail)) at compressed byte \(position); send gzip data with "
                        + "Content-Encoding: gzip, or leave the header out")
            }
        }
    }
}
