import Foundation

/// Where a consumer starts in each partition.
public enum ConsumeStart: Sendable, Equatable {
    /// The log start offset (the oldest record retention kept).
    case beginning
    /// The high watermark when the consumer opens: only records appended later (with `follow`).
    case end
    /// This offset, clamped to the partition's log start and high watermark.
    case offset(Int64)
}

/// What `flywheel topic consume` does.
public struct TopicConsumeOptions: Sendable {
    public var dataDirectory: String
    public var topic: String
    /// One partition, or all of them (read in turn, about 1 MiB at a time) when nil.
    public var partition: Int?
    public var start = ConsumeStart.beginning
    /// Keep waiting for new records after reaching the end.
    public var follow = false
    /// Stop after this many records.
    public var limit: Int?
    /// Prefix each value with `Partition:P<TAB>Offset:O<TAB>`.
    public var printOffset = false
    /// Prefix each value with its key and a tab (`null` without a key).
    public var printKey = false
    /// How often a following consumer looks for new records.
    public var pollInterval = Duration.milliseconds(100)
    /// Called with a one-line message when records were deleted by retention before they were read (default:
    /// standard error).
    public var warn: @Sendable (String) -> Void = { message in
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    public init(dataDirectory: String, topic: String) {
        self.dataDirectory = dataDirectory
        self.topic = topic
    }
}

/// Prints the records of a topic, one value per line, from a read-only view (it never blocks or repairs a writer).
public enum TopicConsumeJob {
    /// Runs the consumer, writing to file descriptor `output`; returns the number of records printed.
    ///
    /// A damaged record stops it with a `.corrupt` error naming the topic, partition and offset, after the records
    /// before it were written out. Records that retention deleted before they were read (a following consumer
    /// that lags) are reported through `options.warn`, and reading goes on at the oldest record kept.
    public static func run(_ options: TopicConsumeOptions, output: Int32 = STDOUT_FILENO) async throws(LogError) -> Int
    {
        var access = PartitionLogOptions()
        access.readOnly = true
        let log = try EmbeddedLog(directory: options.dataDirectory).open(options.topic, access: access)
        let selected = try partitions(options, count: log.partitions.count)
        var positions: [Int: Int64] = [:]
        for partition in selected {
            positions[partition] = startOffset(options.start, stats: log.partitions[partition].stats)
        }
        var printer = RecordPrinter(options: options, output: output)
        let limit = options.limit ?? .max
        while printer.printed < limit {
            var progressed = false
            for partition in selected where printer.printed < limit {
                let from = position(positions[partition] ?? 0, in: log, partition, options)
                let next: Int64
                do throws(LogError) {
                    next = try log.partitions[partition].forEachRecord(from: from, maxRecords: limit - printer.printed)
                    { record in
                        printer.print(record, partition: partition)
                    }
                } catch {
                    try printer.flush()
                    throw TopicLog.naming(error, topic: options.topic, partition: partition)
                }
                if let failure = printer.failure { throw failure }
                progressed = progressed || next != from
                positions[partition] = next
            }
            if progressed { continue }
            try printer.flush()
            guard options.follow else { break }
            try? await Task.sleep(for: options.pollInterval)
            if Task.isCancelled { break }
            for partition in selected { try log.partitions[partition].refresh() }
        }
        try printer.flush()
        return printer.printed
    }

    /// Where to read partition `partition` next: `wanted`, or the log start when retention deleted the records
    /// from `wanted` on before they were read (reported through `options.warn`).
    private static func position(
        _ wanted: Int64, in log: TopicLog, _ partition: Int, _ options: TopicConsumeOptions
    ) -> Int64 {
        let start = log.partitions[partition].logStartOffset
        guard wanted < start else { return wanted }
        options.warn(
            "topic '\(options.topic)' partition \(partition): offsets \(wanted) to \(start - 1) were deleted by "
                + "retention before they were read; continuing at offset \(start)")
        return start
    }

    private static func partitions(_ options: TopicConsumeOptions, count: Int) throws(LogError) -> [Int] {
        guard let partition = options.partition else { return Array(0..<count) }
        guard partition >= 0 && partition < count else {
            throw LogError(
                .invalidArgument, "topic '\(options.topic)' has partitions 0 to \(count - 1), not \(partition)")
        }
        return [partition]
    }

    private static func startOffset(_ start: ConsumeStart, stats: PartitionStats) -> Int64 {
        switch start {
        case .beginning: stats.logStartOffset
        case .end: stats.highWatermark
        case .offset(let offset): min(max(offset, stats.logStartOffset), stats.highWatermark)
        }
    }
}

/// Formats records into a buffer and writes it out in large pieces.
private struct RecordPrinter {
    let options: TopicConsumeOptions
    let output: Int32
    var buffer: [UInt8] = []
    var printed = 0
    var failure: LogError?

    init(options: TopicConsumeOptions, output: Int32) {
        self.options = options
        self.output = output
        buffer.reserveCapacity(1 << 17)
    }

    mutating func print(_ record: RecordView, partition: Int) {
        if options.printOffset {
            buffer.append(contentsOf: "Partition:\(partition)\tOffset:\(record.offset)\t".utf8)
        }
        if options.printKey {
            if let key = record.key { buffer.append(contentsOf: key) } else { buffer.append(contentsOf: "null".utf8) }
            buffer.append(0x09)
        }
        buffer.append(contentsOf: record.value)
        buffer.append(0x0A)
        printed += 1
        if buffer.count >= 1 << 16 {
            do throws(LogError) { try flush() } catch { failure = failure ?? error }
        }
    }

    mutating func flush() throws(LogError) {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        var done = 0
        while done < buffer.count {
            let count = buffer.withUnsafeBytes { bytes in
                Foundation.write(output, bytes.baseAddress.map { $0 + done }, bytes.count - done)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw LogError(.writeFailed, "cannot write output: \(LogFile.errnoText())") }
            done += count
        }
    }
}
