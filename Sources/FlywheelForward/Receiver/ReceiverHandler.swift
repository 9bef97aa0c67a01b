import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One connection of a `LoopbackReceiver`: gathers each request, asks the behaviour, answers. The pipeline's
/// `HTTPServerPipelineHandler` holds a pipelined request back until the one before it is answered, so at
/// most one request per connection is in progress here.
final class ReceiverHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private struct InProgress {
        var request: LoopbackReceiver.Request
        var lines: Int
        var keepAlive: Bool
        var version: HTTPVersion
        var scheduled: Scheduled<Void>?
    }

    private let ledger: ReceiverLedger
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var refused = false
    private var inProgress: InProgress?

    init(ledger: ReceiverLedger) {
        self.ledger = ledger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            refused = false
            if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                let interim = HTTPResponseHead(version: head.version, status: .continue)
                context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
            }
        case .body(var part):
            guard !refused else { return }
            if (body?.readableBytes ?? 0) + part.readableBytes > LoopbackReceiver.maxBodyBytes {
                refuse(context: context)
            } else if body == nil {
                body = part
            } else {
                body!.writeBuffer(&part)
            }
        case .end:
            guard !refused, let head else { return }
            self.head = nil
            received(context: context, head: head, body: body.take())
        }
    }

    private func received(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer?) {
        let lines = body?.withUnsafeReadableBytes { LoopbackReceiver.Request.countLines($0) } ?? 0
        var request = LoopbackReceiver.Request(
            method: head.method.rawValue, path: head.uri, headers: head.headers.map { ($0.name, $0.value) },
            idempotencyKey: head.headers.first(name: "idempotency-key"),
            body: body.map { Array($0.readableBytesView) } ?? [], index: 0,
            receivedNanos: NIODeadline.now().uptimeNanoseconds)
        let behaviour = ledger.arrived(&request, lines: lines)
        inProgress = InProgress(request: request, lines: lines, keepAlive: head.isKeepAlive, version: head.version)
        switch behaviour(request) {
        case .status(let status, let headers, let text, let delayMs) where delayMs > 0:
            inProgress?.scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(delayMs))) {
                self.answer(context: context, status: status, headers: headers, body: text)
            }
        case .status(let status, let headers, let text, _):
            answer(context: context, status: status, headers: headers, body: text)
        case .reset:
            inProgress = nil
            ledger.unanswered(reset: true)
            reset(context: context)
        case .hang:
            break
        }
    }

    private func answer(
        context: ChannelHandlerContext, status: Int, headers: [(name: String, value: String)], body: String
    ) {
        guard let current = inProgress.take() else { return }
        guard context.channel.isActive else {
            ledger.unanswered(reset: false)
            return
        }
        var code = status
        var text = body
        if !(200...599).contains(code) {
            (code, text) = (500, "the receiver's behaviour asked for status \(status); use 200...599")
        }
        ledger.answered(current.request, lines: current.lines, status: code)
        var fields = HTTPHeaders(headers.filter { $0.name.lowercased() != "content-length" })
        fields.replaceOrAdd(name: "Content-Length", value: String(text.utf8.count))
        if !current.keepAlive { fields.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: current.version, status: HTTPResponseStatus(statusCode: code), headers: fields)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !text.isEmpty {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !current.keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// Answers 413 to a body over the limit and closes the connection once the answer is out.
    private func refuse(context: ChannelHandlerContext) {
        refused = true
        body = nil
        ledger.malformed()
        let fields = HTTPHeaders([("Content-Length", "0"), ("Connection", "close")])
        let version = head?.version ?? .http1_1
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: version, status: .payloadTooLarge, headers: fields))),
            promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Closes with SO_LINGER 0, so the peer gets a TCP RST instead of an orderly end of stream.
    private func reset(context: ChannelHandlerContext) {
        guard let socket = context.channel as? any SocketOptionProvider else {
            context.close(promise: nil)
            return
        }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let current = inProgress.take() {
            current.scheduled?.cancel()
            ledger.unanswered(reset: false)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // HTTPServerProtocolErrorHandler has answered 400 to a parser error; any error ends the connection.
        if error is HTTPParserError { ledger.malformed() }
        context.close(promise: nil)
    }
}
