import CZlib
import FlywheelRuntime
import Foundation

/// Reads the bytes of an input file, a gzip file (detected from its first two bytes, whatever its
/// name) or standard input ("-"). A gzip file must end cleanly: a truncated member or bytes after
/// the last member are errors that name the file and how far it got, not a silent end of input.
///
/// A `nonblocking` source never waits for a pipe: its reads return 0 when nothing is there now,
/// and `atEnd` tells that from the end of the input (`topic produce` waits in poll(2) itself).
final class ByteSource {
    let name: String
    private let fd: Int32
    /// A regular file (seekable; reads never block).
    private let isRegularFile: Bool
    private let stop: StopSignals?
    private let nonblocking: Bool
    private var inflater: GzipInflater?
    /// Compressed input waiting for the inflater, or the first bytes of a plain input read to detect gzip.
    private var raw: UnsafeMutableRawBufferPointer
    private var rawStart = 0
    private var rawEnd = 0
    /// The last read(2) found the end of the file.
    private var rawAtEOF = false
    /// Whether the first bytes were looked at (gzip or not).
    private var sniffed = false

    /// Opens `path`; "-" is standard input. A missing file or a directory is a precise error. While
    /// it waits for data from a pipe (standard input, a FIFO), `stop` is checked a few times a second.
    convenience init(path: String, stop: StopSignals? = nil) throws(ConnectorError) {
        let fd: Int32
        if path == "-" {
            fd = dup(STDIN_FILENO)
            guard fd >= 0 else { throw ConnectorError(.readFailed, "cannot read standard input") }
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ConnectorError(.inputNotFound, "input file not found: \(path)")
            }
            if isDirectory.boolValue {
                throw ConnectorError(.inputIsDirectory, "input is a directory, not a JSONL file: \(path)")
            }
            // A FIFO is opened without waiting for its writer (open(2) would block, deaf to a stop
            // request); `readFile` then waits in poll(2), which reports nothing until a writer comes.
            var status = stat()
            let isFIFO = stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO
            fd = open(path, O_RDONLY | O_CLOEXEC | (isFIFO ? O_NONBLOCK : 0))
            guard fd >= 0 else {
                throw ConnectorError(.readFailed, "cannot open input \(path): \(String(cString: strerror(errno)))")
            }
        }
        try self.init(descriptor: fd, name: path, stop: stop)
    }

    /// Reads the open descriptor `fd` (which it closes when done), named `name` in errors. A
    /// blocking source looks at its first bytes (gzip or not) at once, a `nonblocking` one when
    /// they come.
    init(descriptor fd: Int32, name: String, stop: StopSignals? = nil, nonblocking: Bool = false)
        throws(ConnectorError)
    {
        self.name = name
        self.stop = stop
        self.nonblocking = nonblocking
        self.fd = fd
        var status = stat()
        isRegularFile = fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        raw = .allocate(byteCount: 1 << 18, alignment: 16)
        if !nonblocking { _ = try sniff() }
    }

    /// Reads the first two bytes (unless the input is shorter) and starts inflating if they are
    /// gzip's; false when a `nonblocking` source does not have them yet.
    private func sniff() throws(ConnectorError) -> Bool {
        while rawEnd < 2 && !rawAtEOF {
            guard try refillRaw() else { return false }
        }
        sniffed = true
        if rawEnd >= 2 && raw[0] == 0x1F && raw[1] == 0x8B { inflater = try GzipInflater(name: described) }
        return true
    }

    /// Whether the input is gzip (it started with gzip's two magic bytes).
    var isGzip: Bool { inflater != nil }

    /// After a read returned 0: true at the end of the input, false when nothing was there now.
    var atEnd: Bool { rawAtEOF }

    /// Bytes read but not yet handed over because gzip or not is still unknown (fewer than two).
    var unsniffedBytes: Int { sniffed ? 0 : rawEnd - rawStart }

    /// Reads a plain regular file again from its first byte (a followed file that was truncated).
    func rewind() throws(ConnectorError) {
        guard isRegularFile && inflater == nil, lseek(fd, 0, SEEK_SET) == 0 else {
            throw ConnectorError(.readFailed, "cannot read \(described) again from its start")
        }
        rawStart = 0
        rawEnd = 0
        rawAtEOF = false
    }

    /// The input as errors name it: its path, or "standard input" for "-".
    private var described: String { name == "-" ? "standard input" : name }

    deinit {
        raw.deallocate()
        close(fd)
    }

    /// Moves to byte `offset` of the (decompressed) input. Standard input cannot seek.
    func seek(to offset: Int64) throws(ConnectorError) {
        guard offset > 0 else { return }
        if !sniffed { _ = try sniff() }
        guard isRegularFile else {
            throw ConnectorError(.readFailed, "\(described) cannot be resumed at an offset")
        }
        if inflater == nil {
            guard lseek(fd, off_t(offset), SEEK_SET) == offset else {
                throw ConnectorError(.readFailed, "cannot seek to byte \(offset) of \(name)")
            }
            rawStart = 0
            rawEnd = 0
            return
        }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { scratch.deallocate() }
        var left = offset
        while left > 0 {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[..<Int(min(left, 1 << 18))]))
            guard count > 0 else { throw ConnectorError(.readFailed, "\(name) ends before byte \(offset)") }
            left -= Int64(count)
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the input, or when a `nonblocking` source
    /// has nothing now (`atEnd` tells which).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConnectorError) -> Int {
        if !sniffed {
            guard try sniff() else { return 0 }
        }
        if let inflater { return try inflate(into: buffer, inflater) }
        if rawStart < rawEnd {
            let count = min(buffer.count, rawEnd - rawStart)
            buffer.baseAddress!.copyMemory(from: raw.baseAddress! + rawStart, byteCount: count)
            rawStart += count
            return count
        }
        return max(0, try readFile(into: buffer))
    }

    private func inflate(into buffer: UnsafeMutableRawBufferPointer, _ inflater: GzipInflater) throws(ConnectorError)
        -> Int
    {
        while true {
            if inflater.betweenMembers {
                while rawEnd - rawStart < 2 && !rawAtEOF {
                    guard try refillRaw() else { return 0 }
                }
                if rawStart == rawEnd { return 0 }  // the last member ended with the file
                guard rawEnd - rawStart >= 2, raw[rawStart] == 0x1F, raw[rawStart + 1] == 0x8B else {
                    throw inflater.trailingGarbage(described)
                }
                inflater.startMember()
            }
            if rawStart == rawEnd {
                if rawAtEOF { throw inflater.truncated(described) }
                guard try refillRaw() else { return 0 }
                continue
            }
            let input = UnsafeRawBufferPointer(rebasing: raw[rawStart..<rawEnd])
            let step = try inflater.inflate(from: input, into: buffer, name: described)
            rawStart += step.consumed
            if step.produced > 0 { return step.produced }
            if step.consumed == 0 && !inflater.betweenMembers {
                // zlib wants more input than is buffered.
                if rawAtEOF { throw inflater.truncated(described) }
                guard try refillRaw() else { return 0 }
            }
        }
    }

    /// Appends to the compressed buffer, first moving what is left of it to the front; false when a
    /// `nonblocking` source has nothing now.
    private func refillRaw() throws(ConnectorError) -> Bool {
        if rawStart > 0 {
            let left = rawEnd - rawStart
            if left > 0 { memmove(raw.baseAddress!, raw.baseAddress! + rawStart, left) }
            rawStart = 0
            rawEnd = left
        }
        let count = try readFile(into: UnsafeMutableRawBufferPointer(rebasing: raw[rawEnd...]))
        guard count >= 0 else { return false }
        rawEnd += count
        return true
    }

    /// One read(2) of the file: the count, 0 at its end (`rawAtEOF`), or -1 when a `nonblocking`
    /// source has nothing now. For a pipe, a blocking source waits in poll(2) first (in short polls
    /// when there is a stop request to see).
    private func readFile(into buffer: UnsafeMutableRawBufferPointer) throws(ConnectorError) -> Int {
        while true {
            if !isRegularFile {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if nonblocking {
                    if poll(&poller, 1, 0) == 0 { return -1 }
                } else {
                    if let signal = stop?.stopSignal {
                        throw ConnectorError(.interrupted, "interrupted by \(StopSignal.name(of: signal))")
                    }
                    if poll(&poller, 1, stop == nil ? -1 : 200) == 0 { continue }
                }
            }
            let count = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if count > 0 { return count }
            if count == 0 {
                rawAtEOF = true
                return 0
            }
            if errno == EAGAIN && nonblocking { return -1 }
            if errno == EINTR || errno == EAGAIN { continue }
            throw ConnectorError(.readFailed, "cannot read \(described): \(String(cString: strerror(errno)))")
        }
    }
}
