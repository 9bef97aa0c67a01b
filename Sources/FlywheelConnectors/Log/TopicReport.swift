import FlywheelEngine
import FlywheelSignals

/// The text of `flywheel topic list` and `flywheel topic describe`, read without taking any lock.
public enum TopicReport {
    /// One line per topic that can be read (name, partitions, records, bytes, retention), and one message per
    /// topic that cannot (a bad `topic.json`, a partition that cannot be opened), so that one bad topic hides no
    /// other.
    public static func list(_ log: EmbeddedLog) -> (text: String, problems: [String]) {
        var rows = [["TOPIC", "PARTITIONS", "RECORDS", "BYTES", "RETENTION"]]
        var problems: [String] = []
        for (name, settings) in log.topicEntries() {
            do throws(LogError) {
                let topic = try settings.get()
                let stats = try partitionStats(log, topic.name)
                rows.append([
                    topic.name, String(topic.partitions), String(stats.reduce(0) { $0 + $1.recordCount }),
                    String(stats.reduce(0) { $0 + $1.sizeBytes }), retention(topic),
                ])
            } catch {
                problems.append("topic '\(name)' cannot be read: \(error.message)")
            }
        }
        guard rows.count > 1 else { return ("no topics in \(log.directory)", problems) }
        return (table(rows), problems)
    }

    /// The topic's settings, then one line per partition: start and end offsets, records, segments, bytes, newest
    /// timestamp; then the damage found in the newest segments, if any.
    public static func describe(_ log: EmbeddedLog, topic name: String) throws(LogError) -> String {
        let topic = try log.topic(named: name)
        let partitions = try open(log, name).partitions
        let stats = partitions.map(\.stats)
        var rows = [["PARTITION", "START", "END", "RECORDS", "SEGMENTS", "BYTES", "NEWEST"]]
        for (partition, stat) in stats.enumerated() {
            rows.append([
                String(partition), String(stat.logStartOffset), String(stat.highWatermark), String(stat.recordCount),
                String(stat.segmentCount), String(stat.sizeBytes),
                stat.maxTimestamp.map { EventTime(millis: $0).rfc3339 } ?? "-",
            ])
        }
        rows.append([
            "total", "", "", String(stats.reduce(0) { $0 + $1.recordCount }),
            String(stats.reduce(0) { $0 + $1.segmentCount }), String(stats.reduce(0) { $0 + $1.sizeBytes }), "",
        ])
        let header = [
            "topic \(topic.name) in \(log.directory)",
            "  partitions \(topic.partitions)  segment \(formatSize(topic.segmentBytes))  index every "
                + "\(formatSize(topic.indexIntervalBytes))  retention \(retention(topic))",
            "  created \(EventTime(millis: topic.createdMillis).rfc3339)",
            "",
        ]
        let damage = partitions.enumerated().compactMap { partition, log in
            log.damage.map {
                "partition \(partition): \($0); producers refuse it until it is repaired (see flywheel topic repair --help)"
            }
        }
        return (header + [table(rows)] + (damage.isEmpty ? [] : [""] + damage)).joined(separator: "\n")
    }

    private static func open(_ log: EmbeddedLog, _ name: String) throws(LogError) -> TopicLog {
        var access = PartitionLogOptions()
        access.readOnly = true
        return try log.open(name, access: access)
    }

    private static func partitionStats(_ log: EmbeddedLog, _ name: String) throws(LogError) -> [PartitionStats] {
        try open(log, name).partitions.map(\.stats)
    }

    private static func retention(_ topic: Topic) -> String {
        let size = topic.retentionBytes.map(formatSize) ?? "unlimited size"
        let age = topic.retentionMillis.map(formatDuration) ?? "unlimited age"
        return "\(size), \(age)"
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ rows: [[String]]) -> String {
        var widths: [Int] = []
        for row in rows {
            for (column, cell) in row.enumerated() {
                if column == widths.count { widths.append(0) }
                widths[column] = max(widths[column], cell.count)
            }
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingSuffix(" ")
        }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingSuffix(_ character: Character) -> String {
        var text = Substring(self)
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
