import FlywheelSignals
import Foundation

/// Figures of `flywheel topic bench`.
public struct TopicBenchResult: Sendable {
    public var records: Int
    public var valueBytes: Int
    /// Bytes written to the segment files (frames).
    public var logBytes: Int
    public var batches: Int
    public var appendSeconds: Double
    /// Reading every record without copying (`forEachRecord`), checksums verified.
    public var scanSeconds: Double
    /// Reading every record as `LogRecord` values (`read(from:)`), checksums verified.
    public var readSeconds: Double
    /// How appends were flushed, as the command line spells it.
    public var fsync: String

    /// The report: records/s and MB/s (10^6 bytes of frames) for each phase.
    public var text: String {
        func line(_ name: String, _ seconds: Double) -> String {
            let rate = Double(records) / seconds
            let megabytes = Double(logBytes) / 1e6 / seconds
            return "  \(name) \(Int(rate)) records/s  \(String(format: "%.1f", megabytes)) MB/s  "
                + "(\(String(format: "%.3f", seconds)) s)"
        }
        let rows = [
            ("append (fsync \(fsync))", appendSeconds), ("read (zero-copy scan)", scanSeconds),
            ("read (LogRecord values)", readSeconds),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        let lines =
            [
                "\(records) records of \(valueBytes / max(records, 1)) value bytes + 16 key bytes, "
                    + "\(logBytes) bytes of frames, \(batches) batches"
            ] + rows.map { line($0.0.padding(toLength: width, withPad: " ", startingAt: 0), $0.1) }
        return lines.joined(separator: "\n")
    }
}

/// Measures append and read throughput of one partition in a temporary data folder.
public enum TopicBenchJob {
    /// Appends `records` records with a 16-byte key and a `size`-byte value in batches of about `batchBytes`,
    /// flushing per `fsync` (default: each batch), then reads them back twice.
    ///
    /// It runs in `directory`, which must be empty or new (its parent must exist), or else in a new temporary
    /// folder, and removes only what it created: the folder when it made it, otherwise the topic in it.
    public static func run(
        records: Int, size: Int, batchBytes: Int = 1 << 20, fsync: FsyncPolicy = .everyBatch, directory: String? = nil
    ) throws(LogError) -> TopicBenchResult {
        let workspace = try BenchFolder(directory)
        defer { workspace.remove() }
        let log = EmbeddedLog(directory: workspace.path)
        try log.createTopic(Topic(name: "bench", partitions: 1, segmentBytes: 256 << 20))
        var access = PartitionLogOptions()
        access.fsync = fsync
        let partition = try log.open("bench", access: access).partitions[0]
        var value = (0..<size).map { UInt8(0x61 + $0 % 26) }
        var batch = LogBatch(capacity: batchBytes + size + 64)
        var batches = 0
        let started = ContinuousClock.now
        for number in 0..<records {
            var key = String(number, radix: 16)
            key = String(repeating: "0", count: max(0, 16 - key.count)) + key
            value[number % size] &+= 1
            key.withUTF8 { keyBytes in
                value.withUnsafeBytes { batch.append(key: UnsafeRawBufferPointer(keyBytes), value: $0, timestamp: 0) }
            }
            if batch.byteCount >= batchBytes || number == records - 1 {
                try partition.append(&batch)
                batches += 1
            }
        }
        let appended = ContinuousClock.now
        var sum = 0
        var offset: Int64 = 0
        while offset < partition.highWatermark {
            offset = try partition.forEachRecord(from: offset) { sum &+= Int($0.value[0]) }
        }
        let scanned = ContinuousClock.now
        offset = 0
        while offset < partition.highWatermark {
            let chunk = try partition.read(from: offset)
            sum &+= chunk.count
            offset = (chunk.last?.offset ?? offset) + 1
        }
        let read = ContinuousClock.now
        let stats = partition.stats
        try partition.close()
        guard sum != 0 || records == 0 else { throw LogError(.corrupt, "bench read nothing back") }
        return TopicBenchResult(
            records: records, valueBytes: records * size, logBytes: stats.sizeBytes, batches: batches,
            appendSeconds: (appended - started) / .seconds(1), scanSeconds: (scanned - appended) / .seconds(1),
            readSeconds: (read - scanned) / .seconds(1), fsync: describe(fsync, batchBytes: batchBytes))
    }

    private static func describe(_ fsync: FsyncPolicy, batchBytes: Int) -> String {
        switch fsync {
        case .everyBatch: "per \(formatSize(batchBytes)) batch"
        case .interval(let interval): "every \(interval)"
        case .never: "never"
        }
    }
}

/// The folder a bench runs in, and what of it the bench created (so that only that is removed).
private struct BenchFolder {
    let path: String
    let created: Bool

    init(_ directory: String?) throws(LogError) {
        guard let directory else {
            var template = Array(
                (NSTemporaryDirectory() as NSString).appendingPathComponent("flywheel-topic-bench-XXXXXX").utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                throw LogError(.writeFailed, "cannot create a temporary folder: \(LogFile.errnoText())")
            }
            path = String(cString: made)
            created = true
            return
        }
        path = directory
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            guard isDirectory.boolValue, entries.isEmpty else {
                throw LogError(
                    .invalidArgument,
                    "--dir \(directory) is not an empty folder; the bench writes a topic there and removes it "
                        + "afterwards, so give an empty or a new folder")
            }
            created = false
        } else {
            guard Foundation.mkdir(directory, 0o755) == 0 else {
                throw LogError(.writeFailed, "cannot create --dir \(directory): \(LogFile.errnoText())")
            }
            created = true
        }
    }

    /// Removes the folder if the bench created it, else the topic it wrote there.
    func remove() {
        let target = created ? path : (path as NSString).appendingPathComponent("bench")
        try? FileManager.default.removeItem(atPath: target)
    }
}
