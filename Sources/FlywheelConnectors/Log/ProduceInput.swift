import CZlib
import FlywheelRuntime
import Foundation

/// The input of `flywheel topic produce`: hands over the lines of whatever bytes are available, never waiting for a
/// buffer to fill, so that the lines of a slow pipe are appended as they come; gunzips transparently (several
/// members are fine; a truncated stream or trailing bytes that are not gzip are errors).
final class ProduceInput {
    /// What one `next` call saw.
    enum Outcome { case lines, timeout, stopped, end }

    let name: String
    private let fd: Int32
    private let maxLineBytes: Int
    private let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    private var sniff: [UInt8] = []
    private var inflater: GzipInflater?
    private var plain = false
    private var pending: [UInt8] = []
    private var oversized: (prefix: [UInt8], length: Int)?

    /// Bytes read of a line whose newline has not come yet (handed over at the end of the input, not on a stop).
    var unfinishedLineBytes: Int { oversized?.length ?? (pending.count + sniff.count) }

    /// Opens `path`, or standard input for "-".
    init(path: String, maxLineBytes: Int) throws(LogError) {
        name = path == "-" ? "standard input" : path
        self.maxLineBytes = maxLineBytes
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
    }

    deinit {
        close(fd)
        raw.deallocate()
    }

    /// Waits up to `timeout` (nil: as long as it takes) for input or for `wakeFD` to become readable, then hands
    /// the complete lines read to `body`. A stop request wins over available input.
    func next(timeout: Duration?, wakeFD: Int32, _ body: (LineContent) -> Void) throws(LogError) -> Outcome {
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        let millis = timeout.map { Int32(clamping: Int64(($0 / .milliseconds(1)).rounded(.up))) } ?? -1
        let ready = poll(&fds, 2, max(millis, -1))
        if ready < 0 {
            guard errno == EINTR else { throw LogError(.readFailed, "cannot wait for \(name): \(LogFile.errnoText())") }
            return .lines
        }
        if fds[1].revents != 0 { return .stopped }
        if ready == 0 { return .timeout }
        let count = read(fd, raw.baseAddress, raw.count)
        if count < 0 {
            guard errno == EINTR || errno == EAGAIN else {
                throw LogError(.readFailed, "cannot read \(name): \(LogFile.errnoText())")
            }
            return .lines
        }
        guard count > 0 else {
            try finish(body)
            return .end
        }
        try decode(UnsafeRawBufferPointer(rebasing: raw[0..<count]), body)
        return .lines
    }

    /// Plain bytes go to the line splitter; gzip (recognised by its first two bytes) through the inflater.
    private func decode(_ bytes: UnsafeRawBufferPointer, _ body: (LineContent) -> Void) throws(LogError) {
        if !plain && inflater == nil {
            sniff.append(contentsOf: bytes)
            guard sniff.count >= 2 else { return }
            if sniff[0] == 0x1F && sniff[1] == 0x8B {
                inflater = try gzip { () throws(ConnectorError) in try GzipInflater(name: name) }
            } else {
                plain = true
            }
            let first = sniff
            sniff = []
            var failure: LogError?
            first.withUnsafeBytes { buffer in
                do throws(LogError) { try decode(buffer, body) } catch { failure = error }
            }
            if let failure { throw failure }
            return
        }
        if let inflater {
            try gzip { () throws(ConnectorError) in try inflater.feed(bytes, name: name) { split($0, body) } }
        } else {
            split(bytes, body)
        }
    }

    private func finish(_ body: (LineContent) -> Void) throws(LogError) {
        if !sniff.isEmpty {
            plain = true
            let rest = sniff
            sniff = []
            rest.withUnsafeBytes { split($0, body) }
        }
        if let inflater { try gzip { () throws(ConnectorError) in try inflater.finish(name: name) } }
        if let big = oversized {
            body(.oversized(prefix: big.prefix, length: big.length))
        } else if !pending.isEmpty {
            pending.withUnsafeBytes { deliver($0, body) }
        }
        oversized = nil
        pending.removeAll()
    }

    /// Hands over every line that ends in `bytes` and keeps the unfinished one (reduced to its prefix and length
    /// once it is longer than the limit).
    private func split(_ bytes: UnsafeRawBufferPointer, _ body: (LineContent) -> Void) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count, let hit = memchr(base + start, 0x0A, bytes.count - start) {
            let end = base.distance(to: UnsafeRawPointer(hit))
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            if var big = oversized {
                big.length += piece.count
                oversized = nil
                body(.oversized(prefix: big.prefix, length: big.length))
            } else if pending.isEmpty {
                deliver(piece, body)
            } else {
                pending.append(contentsOf: piece)
                pending.withUnsafeBytes { deliver($0, body) }
                pending.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
        if oversized != nil {
            oversized?.length += rest.count
        } else {
            pending.append(contentsOf: rest)
            if pending.count > maxLineBytes {
                oversized = (Array(pending.prefix(4096)), pending.count)
                pending = []
            }
        }
    }

    private func deliver(_ line: UnsafeRawBufferPointer, _ body: (LineContent) -> Void) {
        if line.count > maxLineBytes {
            body(.oversized(prefix: Array(line.prefix(4096)), length: line.count))
        } else {
            body(.line(line))
        }
    }

    /// Runs a step of the (shared) gzip reader, whose errors are the connectors' kind, as a log error.
    private func gzip<T>(_ body: () throws(ConnectorError) -> T) throws(LogError) -> T {
        do {
            return try body()
        } catch {
            throw LogError(.readFailed, error.message)
        }
    }
}
