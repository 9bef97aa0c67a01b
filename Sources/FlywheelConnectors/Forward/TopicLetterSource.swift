import Foundation

/// Reads the dead letters of a topic, partition by partition, up to the high watermarks it found at open.
final class TopicLetterSource: DeadLetterSource {
    private let topic: String
    private let log: TopicLog
    private let dataDir: String
    /// Each partition's high watermark at open: the end of what this reader reads.
    private let ends: [Int64]
    private var partition = 0
    private var offset: Int64

    init(dataDir: String, topic: String) throws(ConnectorError) {
        var access = PartitionLogOptions()
        access.readOnly = true
        do throws(LogError) {
            log = try EmbeddedLog(directory: dataDir).open(topic, access: access)
        } catch {
            throw ConnectorError(error.code, "dead-letter topic: \(error.message)", cause: error)
        }
        self.topic = topic
        self.dataDir = dataDir
        ends = log.partitions.map(\.highWatermark)
        offset = log.partitions.first?.logStartOffset ?? 0
    }

    var name: String { "dead-letter topic '\(topic)' in \(dataDir)" }

    /// The end of a one-partition topic (letters of several partitions have no single end).
    var end: DeadLetterPosition? { ends.count == 1 ? .topic(partition: 0, offset: ends[0]) : nil }

    var position: DeadLetterPosition? {
        var partition = partition
        var offset = offset
        while partition < ends.count && offset >= ends[partition] {
            partition += 1
            offset = partition < ends.count ? log.partitions[partition].logStartOffset : 0
        }
        return partition < ends.count ? .topic(partition: partition, offset: offset) : nil
    }

    func next(max: Int) throws(ConnectorError) -> [DeadLetterEntry] {
        var entries: [DeadLetterEntry] = []
        while entries.count < max, case .topic(let partition, let offset)? = position {
            self.partition = partition
            let wanted = Int(min(Int64(max - entries.count), ends[partition] - offset))
            do throws(LogError) {
                self.offset = try log.partitions[partition].forEachRecord(from: offset, maxRecords: wanted) { record in
                    let position = DeadLetterPosition.topic(partition: partition, offset: record.offset)
                    entries.append(
                        DeadLetterReader.entry(Array(record.value), at: position, key: record.key.map { Array($0) }))
                }
            } catch {
                let named = TopicLog.naming(error, topic: topic, partition: partition)
                throw ConnectorError(
                    error.code,
                    "dead-letter topic: \(named.message); the letters before it were read (redrive them, then see "
                        + "`flywheel topic repair`)", cause: named.cause ?? error)
            }
            if self.offset == offset { break }
        }
        return entries
    }

    func seek(to position: DeadLetterPosition) throws(ConnectorError) {
        guard case .topic(let partition, let offset) = position else {
            throw ConnectorError(
                .invalidOption, "\(name) is read by offset: give --from OFFSET or PARTITION:OFFSET, not a file line")
        }
        guard partition < ends.count else {
            throw ConnectorError(
                .invalidOption, "\(name) has partitions 0 to \(ends.count - 1), not \(partition) (--from)")
        }
        let start = log.partitions[partition].logStartOffset
        guard offset >= start && offset <= ends[partition] else {
            let held =
                start < ends[partition] ? "holds offsets \(start) to \(ends[partition] - 1)" : "holds no letter"
            throw ConnectorError(
                .offsetOutOfRange,
                "\(name) partition \(partition) \(held); --from must be "
                    + (start < ends[partition] ? "one of them, or \(ends[partition]) (its end)" : "\(ends[partition])"))
        }
        self.partition = partition
        self.offset = offset
    }
}
