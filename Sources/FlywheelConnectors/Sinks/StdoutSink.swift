import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// Writes every record's JSON line to standard output, as released (buffered up to the linger).
///
/// At least once: standard output cannot be cut back, so after a crash the records released since
/// the last checkpoint are written again.
// @unchecked Sendable: the sink task calls it, one call at a time.
public final class StdoutSink: Sink, @unchecked Sendable {
    private var buffer: [UInt8] = []
    private let descriptor: Int32

    public init(descriptor: Int32 = STDOUT_FILENO) { self.descriptor = descriptor }

    public func restore(_ state: [UInt8]?) async throws {}

    public func write(_ records: [SignalRecord]) async throws {
        for record in records { buffer.append(contentsOf: record.line) }
        if buffer.count >= 1 << 16 { try flushBuffer() }
    }

    public func flush() async throws { try flushBuffer() }

    public func snapshot(checkpoint: Int64, closing: Bool) async throws -> [UInt8] {
        try flushBuffer()
        return []
    }

    public func close(_ end: JobEnd) async throws { try flushBuffer() }

    private func flushBuffer() throws {
        guard !buffer.isEmpty else { return }
        if let failure = buffer.withUnsafeBytes({ Descriptor.writeAll(descriptor, $0) }) {
            throw ConnectorError(.writeFailed, "cannot write to standard output: \(String(cString: strerror(failure)))")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
