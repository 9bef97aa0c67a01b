import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka

    /// The lines of a file or standard input, read in large chunks, for `flywheel kafka produce`.
    struct KafkaLineInput {
        let path: String
        private let descriptor: Int32

        init(path: String) throws {
            self.path = path
            if path == "-" {
                descriptor = STDIN_FILENO
                return
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw KafkaError(
                    .invalidArgument, "cannot read '\(path)': no such file (give a JSONL file, or - for standard input)"
                )
            }
            descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else {
                throw KafkaError(.invalidArgument, "cannot open '\(path)': \(String(cString: strerror(errno)))")
            }
        }

        /// Calls `body` with each line's number (from 1) and bytes (without "\n" or a trailing "\r"),
        /// then closes the file. A last line without "\n" counts.
        func forEachLine(_ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
            defer { if descriptor != STDIN_FILENO { close(descriptor) } }
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            var number = 0
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw KafkaError(.invalidArgument, "cannot read '\(path)': \(String(cString: strerror(errno)))")
                }
                if count == 0 { break }
                pending.append(contentsOf: chunk[..<count])
                var start = 0
                try pending.withUnsafeBytes { bytes in
                    while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
                        number += 1
                        try body(number, trimmed(UnsafeRawBufferPointer(rebasing: bytes[start..<newline])))
                        start = newline + 1
                    }
                }
                pending.removeFirst(start)
            }
            if !pending.isEmpty {
                number += 1
                try pending.withUnsafeBytes { try body(number, trimmed($0)) }
            }
        }

        private func trimmed(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
            line.last == UInt8(ascii: "\r") ? UnsafeRawBufferPointer(rebasing: line.dropLast()) : line
        }
    }

    /// Progress lines on standard error while records are sent: on a terminal a line rewritten every
    /// second, elsewhere a line every 10 seconds.
    final class KafkaProgress {
        private let terminal = isatty(STDERR_FILENO) == 1
        private var last = ContinuousClock.now
        private var printed = false
        private var calls = 0

        /// Called once per record; looks at the clock every 4096 calls.
        func tick(_ text: () -> String) {
            calls += 1
            guard calls % 4096 == 0 else { return }
            let now = ContinuousClock.now
            guard now - last >= .seconds(terminal ? 1 : 10) else { return }
            last = now
            printed = true
            FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[K\(text())" : "\(text())\n").utf8))
        }

        func finish() {
            if terminal && printed { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
#endif
