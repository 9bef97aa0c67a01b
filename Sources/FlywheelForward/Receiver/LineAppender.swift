import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Appends request bodies to a file as lines (a body that does not end with "\n" gets one). Appends gather in
/// memory and reach the file on `flush()`, or at once past 4 MiB; safe to call from any thread.
public final class LineAppender: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var failure: String?
    }

    public let path: String
    private let descriptor: Int32
    private let state = Mutex(State())
    private static let flushBytes = 4 << 20

    /// Opens `path` for appending, creating it if needed; the error message names the file and the cause.
    public init(path: String) throws(ReceiverError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ReceiverError("cannot open \(path) for appending: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Queues `body` as lines.
    public func append(_ body: [UInt8]) {
        guard !body.isEmpty else { return }
        state.withLock { state in
            state.pending += body
            if body.last != UInt8(ascii: "\n") { state.pending.append(UInt8(ascii: "\n")) }
            if state.pending.count >= Self.flushBytes { drain(&state) }
        }
    }

    /// Writes what is queued; throws the first write error there was (appends stop after it).
    public func flush() throws(ReceiverError) {
        let failure = state.withLock { state in
            drain(&state)
            return state.failure
        }
        if let failure { throw ReceiverError(failure) }
    }

    private func drain(_ state: inout State) {
        defer { state.pending.removeAll(keepingCapacity: true) }
        guard state.failure == nil else { return }
        var offset = 0
        while offset < state.pending.count {
            let count = state.pending[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                state.failure = "cannot append to \(path): \(String(cString: strerror(errno)))"
                return
            }
            offset += count
        }
    }
}

/// An error of the receiver tools, with a message that names what failed.
public struct ReceiverError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
