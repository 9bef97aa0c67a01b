import FlywheelRuntime
import Foundation

/// The input of `flywheel topic produce`: hands over the lines of whatever bytes are available, never waiting for a
/// buffer to fill, so that the lines of a slow pipe are appended as they come; gunzips transparently (several
/// members are fine; a truncated stream or trailing bytes that are not gzip are errors). The lines are split by
/// `LineReader` over a non-blocking `ByteSource`; this type waits for input (or a stop) in poll(2).
final class ProduceInput {
    /// What one `next` call saw.
    enum Outcome { case lines, timeout, stopped, end }

    let name: String
    /// Polled for input; owned (and closed) by the reader's source.
    private let fd: Int32
    private let reader: LineReader

    /// Bytes read of a line whose newline has not come yet (handed over at the end of the input, not on a stop).
    var unfinishedLineBytes: Int { reader.unfinishedLineBytes }

    /// Opens `path`, or standard input for "-".
    init(path: String, maxLineBytes: Int) throws(LogError) {
        name = path == "-" ? "standard input" : path
        let fd: Int32
        if path == "-" {
            fd = dup(STDIN_FILENO)
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw LogError(.readFailed, "input file not found: \(path)")
            }
            guard !isDirectory.boolValue else {
                throw LogError(.readFailed, "input is a directory, not a file of lines: \(path)")
            }
            fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw LogError(.readFailed, "cannot open \(name): \(LogFile.errnoText())") }
        self.fd = fd
        let source = try Self.logError { () throws(ConnectorError) in
            try ByteSource(descriptor: fd, name: path, nonblocking: true)
        }
        reader = LineReader(source: source, maxLineBytes: maxLineBytes)
    }

    /// Waits up to `timeout` (nil: as long as it takes) for input or for `wakeFD` to become readable, then hands
    /// the complete lines of one read to `body`. A stop request wins over available input.
    func next(timeout: Duration?, wakeFD: Int32, _ body: (LineContent) -> Void) throws(LogError) -> Outcome {
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        // Until a read finds nothing, more may be buffered (gzip output, bytes already read): do not wait.
        let buffered = !reader.caughtUp
        let millis = buffered ? 0 : timeout.map { Int32(clamping: Int64(($0 / .milliseconds(1)).rounded(.up))) } ?? -1
        let ready = poll(&fds, 2, max(millis, -1))
        if ready < 0 {
            guard errno == EINTR else { throw LogError(.readFailed, "cannot wait for \(name): \(LogFile.errnoText())") }
            return .lines
        }
        if fds[1].revents != 0 { return .stopped }
        if ready == 0 && !buffered { return .timeout }
        let status = try Self.logError { () throws(ConnectorError) in
            try reader.readLines(maxLines: .max, maxReads: 1) { _, _, content in body(content) }
        }
        return status == .ended ? .end : .lines
    }

    /// Runs a step of the (shared) reader, whose errors are the connectors' kind, as a log error.
    private static func logError<T>(_ body: () throws(ConnectorError) -> T) throws(LogError) -> T {
        do {
            return try body()
        } catch {
            throw LogError(.readFailed, error.message)
        }
    }
}
