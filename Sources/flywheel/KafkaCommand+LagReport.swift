import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka

    /// Reads a group's committed offsets and the partitions' end offsets.
    struct KafkaLagQuery {
        let configuration: KafkaConfiguration
        let group: String
        let topics: [String]
        let timeout: Duration

        func run() throws -> KafkaLagReport {
            let consumer = try KafkaConsumer(configuration)
            defer { consumer.close() }
            let metadata = try consumer.metadata(timeout: timeout)
            var chosen: [KafkaTopicMetadata]
            if topics.isEmpty {
                chosen = metadata.filter { !$0.name.hasPrefix("__") && $0.error == nil }
            } else {
                chosen = []
                for name in topics {
                    guard let found = metadata.first(where: { $0.name == name && $0.error == nil }) else {
                        throw KafkaError(.unknownTopic, "topic '\(name)' does not exist on \(configuration.bootstrap)")
                    }
                    chosen.append(found)
                }
            }
            let partitions = chosen.sorted { $0.name < $1.name }.flatMap { topic in
                (0..<Int32(topic.partitionCount)).map { KafkaTopicPartition(topic.name, $0) }
            }
            let committed = partitions.isEmpty ? [] : try consumer.committed(partitions, timeout: timeout)
            var rows: [KafkaLagReport.Row] = []
            for (partition, offset) in zip(partitions, committed) where offset != nil || !topics.isEmpty {
                let end = try consumer.watermarks(
                    topic: partition.topic, partition: partition.partition, timeout: timeout)
                rows.append(
                    .init(topic: partition.topic, partition: partition.partition, committed: offset, end: end.high))
            }
            if rows.isEmpty {
                throw KafkaError(
                    .unknownTopic,
                    "group '\(group)' has no committed offsets on \(configuration.bootstrap); name a topic with --topic "
                        + "to see its end offsets")
            }
            return KafkaLagReport(group: group, bootstrap: configuration.bootstrap, rows: rows)
        }
    }

    /// Per-partition lag of a group, as a table or JSON.
    struct KafkaLagReport {
        struct Row {
            let topic: String
            let partition: Int32
            let committed: Int64?
            let end: Int64
            /// End minus committed, never negative; nil without a committed offset.
            var lag: Int64? { committed.map { max(0, end - $0) } }
        }

        let group: String
        let bootstrap: String
        let rows: [Row]

        var totalLag: Int64 { rows.reduce(0) { $0 + ($1.lag ?? 0) } }
        var withoutCommit: Int { rows.filter { $0.committed == nil }.count }

        func table() -> String {
            let header = ["TOPIC", "PARTITION", "COMMITTED", "END", "LAG"]
            let cells = rows.map { row in
                [
                    row.topic, String(row.partition), row.committed.map(String.init) ?? "-", String(row.end),
                    row.lag.map(String.init) ?? "-",
                ]
            }
            let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
            let render = { (line: [String]) in
                line.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
            var lines = ["group '\(group)' on \(bootstrap)", render(header)] + cells.map(render)
            var total = "total lag \(totalLag) over \(rows.count) partitions"
            if withoutCommit > 0 { total += " (\(withoutCommit) without a committed offset)" }
            lines.append(total)
            return lines.joined(separator: "\n")
        }

        func json() -> String {
            let partitions: [[String: Any]] = rows.map { row in
                [
                    "topic": row.topic, "partition": Int(row.partition),
                    "committed": row.committed.map { $0 as Any } ?? NSNull(), "end": row.end,
                    "lag": row.lag.map { $0 as Any } ?? NSNull(),
                ]
            }
            let object: [String: Any] = [
                "group": group, "bootstrap": bootstrap, "partitions": partitions, "total_lag": totalLag,
                "partitions_without_commit": withoutCommit,
            ]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }
#endif
