import FlywheelConnectors
import FlywheelInspect
import FlywheelSignals
import Hummingbird

/// One `GET /v1/signals/{kind}/stream`: writes the committed records of a kind from a position on as
/// Server-Sent Events, each time the watcher wakes it, until the wake-ups end (the service stops) or the
/// client goes (a write fails).
struct SignalStream: Sendable {
    let log: SignalLog
    let kind: RecordKind
    let filter: SignalFilter
    /// The first position wanted.
    let start: Int64
    let heartbeat: Duration

    /// Records read per pass between writes.
    static let recordsPerWrite: Int64 = 1000

    func run(_ writer: inout any ResponseBodyWriter, wakes: AsyncStream<Void>) async throws {
        var matcher = filter.matcher(for: kind)
        var next = start
        try await writer.write(ByteBuffer(string: ": \(kind.name) from position \(start)\n\n"))
        var lastWrite = ContinuousClock.now
        var iterator = wakes.makeAsyncIterator()
        repeat {
            if let committed = try log.committed(kind) {
                while next < committed.end {
                    let to = min(committed.end, next + Self.recordsPerWrite)
                    var buffer = ByteBuffer()
                    try SignalPage.forEach(in: committed, from: next, to: to, matcher: &matcher) { position, value in
                        buffer.writeString("id: \(position)\nevent: \(kind.name)\ndata: ")
                        buffer.writeBytes(value)
                        buffer.writeString("\n\n")
                    }
                    next = to
                    if buffer.readableBytes > 0 {
                        try await writer.write(buffer)
                        lastWrite = .now
                    }
                }
            }
            if ContinuousClock.now - lastWrite >= heartbeat {
                try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                lastWrite = .now
            }
        } while await iterator.next() != nil
    }
}
