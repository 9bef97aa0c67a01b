import FlywheelRuntime
import FlywheelSignals
import Foundation

/// What `flywheel topic produce` does: read lines, key and route them, append them in batches.
public struct TopicProduceOptions: Sendable {
    public var dataDirectory: String
    public var topic: String
    /// A JSONL file or "-" for standard input (gzip is read transparently).
    public var inputPath = "-"
    /// The top-level JSON field whose value is the key; lines without it (or not JSON) have no key.
    public var keyField: String?
    /// A partition's batch is appended once it holds this many bytes, once its oldest line has waited `linger`, at
    /// the end of the input, and on a stop request.
    public var batchBytes = 1 << 20
    /// How long a line read may wait for more lines before its batch is appended (0: append what each read gave).
    public var linger = Duration.milliseconds(100)
    public var fsync = FsyncPolicy.everyBatch
    /// Longer lines are skipped and counted.
    public var maxRecordBytes = 16 << 20

    public init(dataDirectory: String, topic: String) {
        self.dataDirectory = dataDirectory
        self.topic = topic
    }
}

/// The counts of a produce run.
public struct TopicProduceSummary: Sendable {
    public var records: Int64 = 0
    public var bytes: Int64 = 0
    public var keyless: Int64 = 0
    public var emptyLinesSkipped: Int64 = 0
    public var oversizedLinesSkipped: Int64 = 0
    /// Records appended to each partition.
    public var perPartition: [Int64] = []
    public var seconds = 0.0
    /// The signal that stopped the run before the end of its input (0 for `StopSignals.stop()`); nil otherwise.
    /// Every line read before it was appended.
    public var stoppedBy: Int32?
    /// Bytes of an unfinished last line (no newline yet) that a stop left unappended.
    public var unfinishedLineBytes = 0

    /// What a stop left: "" or "; an unfinished last line (N bytes, no newline) was not appended".
    public var unfinishedLineText: String {
        unfinishedLineBytes == 0
            ? "" : "; an unfinished last line (\(unfinishedLineBytes) bytes, no newline) was not appended"
    }

    /// Two to four lines for the terminal.
    public func text(topic: String) -> String {
        var lines = [
            "produced \(records) records (\(bytes) bytes on disk) to '\(topic)' in \(String(format: "%.2f", seconds)) s; "
                + "\(keyless) without key",
            "  per partition: "
                + perPartition.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: "  "),
        ]
        if let stoppedBy {
            lines.append(
                "  stopped by \(StopSignal.name(of: stoppedBy)) before the end of the input; every line read was appended"
                    + unfinishedLineText)
        }
        if emptyLinesSkipped + oversizedLinesSkipped > 0 {
            lines.append(
                "  skipped \(emptyLinesSkipped) empty lines and \(oversizedLinesSkipped) lines over the size limit")
        }
        return lines.joined(separator: "\n")
    }
}

/// Appends every line of an input to a topic: the key from a JSON field, the partition from the key's hash
/// (keyless lines round robin), the timestamp from the wall clock, batches of about 1 MiB per partition.
public enum TopicProduceJob {
    /// Runs the job until the input ends or `stop` asks to stop, appending every line read before it returns.
    /// `onAck(partition, highWatermark)` is called after each append returns, i.e. when the records before
    /// `highWatermark` are acknowledged (durable under `FsyncPolicy.everyBatch`).
    ///
    /// A batch is appended when it reaches `batchBytes`, or `linger` after the first line that is waiting was
    /// read, so a slow input is appended as it comes; a stop request appends what was read and returns.
    public static func run(
        _ options: TopicProduceOptions, stop: StopSignals? = nil, onAck: ((Int, Int64) -> Void)? = nil
    ) throws(LogError) -> TopicProduceSummary {
        let started = ContinuousClock.now
        var access = PartitionLogOptions()
        access.fsync = options.fsync
        let log = try EmbeddedLog(directory: options.dataDirectory).open(options.topic, access: access)
        let input = try ProduceInput(path: options.inputPath, maxLineBytes: options.maxRecordBytes)
        var state = ProduceState(log: log, options: options)
        /// When the lines waiting in the batches must be appended; nil while none wait.
        var deadline: ContinuousClock.Instant?
        reading: while true {
            let timeout = deadline.map { max(.zero, $0 - .now) }
            let outcome = try input.next(timeout: timeout, wakeFD: stop?.wakeFD ?? -1) { state.add($0) }
            switch outcome {
            case .end, .stopped:
                try state.flush(final: true, onAck: onAck)
                if outcome == .stopped {
                    state.summary.stoppedBy = stop?.stopSignal ?? 0
                    state.summary.unfinishedLineBytes = input.unfinishedLineBytes
                }
                break reading
            case .timeout:
                try state.flush(final: true, onAck: onAck)
                deadline = nil
            case .lines:
                try state.flush(final: false, onAck: onAck)
                if !state.hasWaitingLines {
                    deadline = nil
                } else if deadline == nil {
                    deadline = .now + options.linger
                }
                if let due = deadline, due <= .now {
                    try state.flush(final: true, onAck: onAck)
                    deadline = nil
                }
            }
        }
        try log.close()
        state.summary.seconds = (ContinuousClock.now - started) / .seconds(1)
        return state.summary
    }
}

/// The batches being filled and the counts so far.
private struct ProduceState {
    let log: TopicLog
    let options: TopicProduceOptions
    var batches: [LogBatch]
    var scanner: JSONLineScanner?
    var nextKeyless = 0
    var timestamp = LogFile.wallClockMillis()
    var summary = TopicProduceSummary()

    init(log: TopicLog, options: TopicProduceOptions) {
        self.log = log
        self.options = options
        batches = Array(repeating: LogBatch(capacity: options.batchBytes + 64 * 1024), count: log.partitions.count)
        scanner = options.keyField.map { JSONLineScanner(keys: [$0]) }
        summary.perPartition = Array(repeating: 0, count: log.partitions.count)
    }

    mutating func add(_ content: LineContent) {
        guard case .line(let line) = content else {
            summary.oversizedLinesSkipped += 1
            return
        }
        guard !line.isEmpty else {
            summary.emptyLinesSkipped += 1
            return
        }
        let key = self.key(of: line)
        let partition: Int
        if let key {
            partition = log.partition(forKey: key)
        } else {
            partition = nextKeyless % batches.count
            nextKeyless += 1
            summary.keyless += 1
        }
        if var key {
            key.withUTF8 {
                batches[partition].append(key: UnsafeRawBufferPointer($0), value: line, timestamp: timestamp)
            }
        } else {
            batches[partition].append(key: nil, value: line, timestamp: timestamp)
        }
    }

    private mutating func key(of line: UnsafeRawBufferPointer) -> String? {
        guard var scanner else { return nil }
        defer { self.scanner = scanner }
        guard scanner.scan(line) == .object, let value = scanner.values[0] else { return nil }
        switch value {
        case .string(let text): return text
        case .number(_, let exactInteger?): return String(exactInteger)
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    /// True when a batch holds lines not appended yet.
    var hasWaitingLines: Bool { batches.contains { !$0.isEmpty } }

    /// Appends the batches that are full, or all of them (`final`: at the end, on a stop or when they lingered).
    mutating func flush(final: Bool, onAck: ((Int, Int64) -> Void)?) throws(LogError) {
        for partition in batches.indices {
            let due = final ? !batches[partition].isEmpty : batches[partition].byteCount >= options.batchBytes
            guard due else { continue }
            let count = batches[partition].count
            let bytes = batches[partition].byteCount
            try log.partitions[partition].append(&batches[partition])
            summary.records += Int64(count)
            summary.bytes += Int64(bytes)
            summary.perPartition[partition] += Int64(count)
            onAck?(partition, log.partitions[partition].highWatermark)
        }
        timestamp = LogFile.wallClockMillis()
    }
}
