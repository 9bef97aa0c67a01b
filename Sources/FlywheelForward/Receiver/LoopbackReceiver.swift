import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP/1.1 server for forwarding tests and benchmarks: it records every request it reads and answers
/// each as a scripted behaviour says (a status after a delay, a connection reset, or no answer at all).
///
/// Connections are kept alive; pipelined requests are answered in order, one at a time per connection.
/// A malformed request gets 400 and its connection is closed; a body over `maxBodyBytes` gets 413. The
/// behaviour runs on the connection's event loop: it must return at once (delays are `delayMs`, which
/// the loop schedules). Every property is safe to read from any thread while the server runs.
public final class LoopbackReceiver: Sendable {
    /// One request, as read.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// The header fields in the order received.
        public var headers: [(name: String, value: String)]
        /// The `Idempotency-Key` header, if any.
        public var idempotencyKey: String?
        public var body: [UInt8]
        /// 0-based arrival order: the order in which requests were read to their end.
        public var index: Int
        /// When the request's end was read, on the monotonic clock (`NIODeadline.now()`, as `DispatchTime`).
        public var receivedNanos: UInt64

        /// The body split on "\n", an empty last line dropped (a body that ends with "\n" has no empty line).
        public var lines: [[UInt8]] {
            var parts = body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            if parts.last?.isEmpty == true { parts.removeLast() }
            return parts
        }

        /// The number of `lines`, counted without splitting.
        public var lineCount: Int { body.withUnsafeBytes { Self.countLines($0) } }

        /// The value of the first header named `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        static func countLines(_ bytes: UnsafeRawBufferPointer) -> Int {
            var newlines = 0
            for byte in bytes where byte == UInt8(ascii: "\n") { newlines += 1 }
            return newlines + (bytes.last.map { $0 == UInt8(ascii: "\n") } ?? true ? 0 : 1)
        }
    }

    /// How to answer one request.
    public enum Reply: Sendable {
        /// Answers `status` with `headers` (Content-Length is added) and `body`, after `delayMs`.
        case status(Int, headers: [(name: String, value: String)] = [], body: String = "", delayMs: Int = 0)
        /// Closes the connection without answering, with a TCP reset (the client sees a connection error).
        case reset
        /// Never answers and keeps the connection open (the client's timeout fires); the request stays in
        /// progress until the client closes the connection.
        case hang
    }

    /// Chooses the reply to a request; called once per request, on the connection's event loop.
    public typealias Behaviour = @Sendable (Request) -> Reply

    /// Bodies larger than this are answered 413 and their connection is closed.
    public static let maxBodyBytes = 64 << 20

    let ledger: ReceiverLedger
    private let channel: any Channel
    /// The port the server listens on (the one the OS picked when started with port 0).
    public let port: Int
    private let host: String

    private init(ledger: ReceiverLedger, channel: any Channel, host: String, port: Int) {
        self.ledger = ledger
        self.channel = channel
        self.host = host
        self.port = port
    }

    /// Starts listening on `host`:`port` (port 0: one the OS picks; read it from `port`).
    ///
    /// With `recordsBodies: false` the receiver keeps no history (`requests` and `accepted` stay empty)
    /// and only counts (`counters`): for benchmarks that send millions of records.
    public static func start(
        host: String = "127.0.0.1", port: Int = 0, recordsBodies: Bool = true,
        behaviour: @escaping Behaviour = { _ in .status(200) }
    ) async throws -> LoopbackReceiver {
        let ledger = ReceiverLedger(behaviour: behaviour, recordsBodies: recordsBodies)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                ledger.opened(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ReceiverHandler(ledger: ledger))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        let bound = channel.localAddress?.port ?? port
        return LoopbackReceiver(ledger: ledger, channel: channel, host: host, port: bound)
    }

    /// `http://HOST:PORT/path` (IPv6 hosts in brackets).
    public func url(_ path: String = "/") -> String {
        let name = host.contains(":") ? "[\(host)]" : host
        return "http://\(name):\(port)\(path.hasPrefix("/") ? "" : "/")\(path)"
    }

    /// Replaces the behaviour for requests whose end is read from now on (e.g. to go down for a while).
    public func setBehaviour(_ behaviour: @escaping Behaviour) {
        ledger.setBehaviour(behaviour)
    }

    /// Every request read to its end, in arrival order (empty with `recordsBodies: false`).
    public var requests: [Request] { ledger.requests }

    /// The requests answered 2xx, in the order of their answers (empty with `recordsBodies: false`).
    public var accepted: [Request] { ledger.accepted }

    /// The most requests in progress (read, not yet answered or abandoned) at any one time.
    public var maxConcurrent: Int { ledger.counters.maxConcurrent }

    /// Counts of requests, lines, answers and connections since the start (kept in every mode).
    public var counters: Counters { ledger.counters }

    /// Stops listening and closes every open connection (requests in progress are not answered). Stopping
    /// a stopped receiver does nothing.
    public func stop() async throws {
        do {
            try await channel.close()
        } catch ChannelError.alreadyClosed {
            return
        }
        for child in ledger.openChannels() {
            try? await child.close()
        }
    }
}
