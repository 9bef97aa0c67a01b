import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP client that sends bytes as they are, for requests an HTTP client would refuse to send (a malformed
/// request line, a lying Content-Length, half a request), and reads what the server answers until it closes.
struct RawHTTPClient {
    let port: Int

    /// What came back: the bytes read until the server closed the connection (or `limit` bytes).
    struct Reply {
        var bytes: [UInt8]

        var text: String { String(decoding: bytes, as: UTF8.self) }

        /// The status code of the first response, or nil when none came.
        var status: Int? {
            let line = text.prefix { $0 != "\r" && $0 != "\n" }
            let parts = line.split(separator: " ")
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1.") else { return nil }
            return Int(parts[1])
        }

        /// The body of the first response (after the blank line).
        var body: String {
            guard let range = text.range(of: "\r\n\r\n") else { return "" }
            return String(text[range.upperBound...])
        }
    }

    /// Sends `chunks` one after another, then reads until the server closes the connection. `closeWrite`: half-
    /// close after sending (the server then sees the end of the request stream).
    func exchange(_ chunks: [[UInt8]], closeWrite: Bool = false, limit: Int = 64 << 20) async throws -> Reply {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            for chunk in chunks { try await outbound.write(ByteBuffer(bytes: chunk)) }
            if closeWrite { outbound.finish() }
            var reply: [UInt8] = []
            do {
                for try await buffer in inbound {
                    reply += buffer.readableBytesView
                    if reply.count >= limit { break }
                }
            } catch let error as IOError where error.errnoCode == ECONNRESET {
                // A server may reset a connection it gives up on (a client that half-closed mid-request) instead
                // of closing it: the reply is what came before, as for a close.
            }
            return Reply(bytes: reply)
        }
    }

    /// Sends one request and reads the answer; `Connection: close` makes the server close after answering.
    func send(_ request: String, body: [UInt8] = []) async throws -> Reply {
        try await exchange([Array(request.utf8) + body])
    }
}
