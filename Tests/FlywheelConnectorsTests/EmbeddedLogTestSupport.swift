import FlywheelConnectors
import FlywheelTesting
import Foundation
import Synchronization

/// Helpers shared by the embedded log tests.
enum LogFixture {
    /// A record whose key (10 bytes) and value (`valueBytes`, at least 13) name its number, so that any mix-up
    /// shows; all records of one `valueBytes` have frames of the same size.
    static func record(_ number: Int, valueBytes: Int = 40) -> LogRecord {
        let digits = String(number)
        let padded = String(repeating: "0", count: max(0, 6 - digits.count)) + digits
        let text = "value-\(padded)-" + String(repeating: "x", count: max(0, valueBytes - 13))
        return LogRecord(timestamp: 1_000 + Int64(number), key: "key-\(padded)", value: text)
    }

    static func records(_ range: Range<Int>, valueBytes: Int = 40) -> [LogRecord] {
        range.map { record($0, valueBytes: valueBytes) }
    }

    static func options(
        segmentBytes: Int = 64 << 20, indexInterval: Int = 4096, readOnly: Bool = false,
        warnings: WarningLog? = nil
    ) -> PartitionLogOptions {
        var options = PartitionLogOptions()
        options.segmentBytes = segmentBytes
        options.indexIntervalBytes = indexInterval
        options.readOnly = readOnly
        if let warnings { options.warn = { warnings.add($0) } } else { options.warn = { _ in } }
        return options
    }

    /// Every record from the log start to the high watermark.
    static func readAll(_ log: PartitionLog, maxBytes: Int = 1 << 20) throws -> [LogRecord] {
        var records: [LogRecord] = []
        var offset = log.logStartOffset
        while offset < log.highWatermark {
            let chunk = try log.read(from: offset, maxBytes: maxBytes)
            guard let last = chunk.last else { break }
            records += chunk
            offset = last.offset + 1
        }
        return records
    }

    /// The `.log` files of a partition folder, oldest first.
    static func segmentFiles(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".log") }.sorted()
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    static func fileSize(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    static func truncate(_ path: String, to size: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
    }

    /// Flips the bits of the byte at `position` of the file.
    static func flipByte(_ path: String, at position: Int) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[position] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
    }
}

/// Collects the warnings a log prints.
final class WarningLog: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// A clock the test moves by hand (milliseconds since the epoch).
final class ManualMillisClock: Sendable {
    private let now: Mutex<Int64>
    init(_ start: Int64) { now = Mutex(start) }
    func advance(by millis: Int64) { now.withLock { $0 += millis } }
    var millis: Int64 { now.withLock { $0 } }
}
