import ArgumentParser
import FlywheelSignals
import Foundation

#if canImport(FlywheelKafka)
    import FlywheelKafka

    /// `flywheel kafka produce`: reads the lines of a file, sends each as a record, waits for every
    /// acknowledgement.
    struct KafkaProduceJob {
        let path: String
        let topic: String
        let keyField: String?
        let partitions: Int?
        let replicationFactor: Int
        let configuration: KafkaConfiguration
        let deliveryTimeout: Duration
        /// How many bad lines are named one by one on standard error; the rest are counted.
        let badLinesNamed = 20

        struct Counts {
            var records = 0
            var keyless = 0
            var badLines = 0
            var emptyLines = 0
            var bytes = 0
        }

        func run() throws -> String {
            let input = try KafkaLineInput(path: path)
            let partitionCount = try prepareTopic()
            let producer = try KafkaProducer(configuration)
            let started = ContinuousClock.now
            var counts = Counts()
            var scanner = JSONLineScanner(keys: [keyField ?? ""])
            let progress = KafkaProgress()
            try input.forEachLine { number, line in
                guard !line.isEmpty else {
                    counts.emptyLines += 1
                    return
                }
                let key = keyField == nil ? nil : self.key(of: line, scanner: &scanner)
                if keyField != nil, key == nil { report(badLine: number, line, &counts) }
                if key == nil { counts.keyless += 1 }
                do {
                    try producer.send(topic: topic, key: key, value: Array(line))
                } catch let error as KafkaError {
                    throw KafkaError(error.code, "line \(number) of \(path): \(error.message)")
                }
                counts.records += 1
                counts.bytes += line.count
                progress.tick { "\(counts.records) records sent, \(producer.deliveries.delivered) acknowledged" }
            }
            progress.finish()
            try producer.flush(timeout: deliveryTimeout + .seconds(10))
            if counts.badLines > badLinesNamed {
                FileHandle.standardError.write(
                    Data("warning: \(counts.badLines - badLinesNamed) more lines without a key\n".utf8))
            }
            return summary(counts, partitionCount: partitionCount, seconds: (ContinuousClock.now - started).seconds)
        }

        /// The topic's partition count, creating the topic when it is missing and --partitions says how.
        private func prepareTopic() throws -> Int {
            let admin = try KafkaAdmin(configuration)
            if let existing = try admin.topic(topic, timeout: .seconds(15)) {
                if let partitions, partitions != existing.partitionCount {
                    FileHandle.standardError.write(
                        Data(
                            ("warning: topic '\(topic)' exists with \(existing.partitionCount) partitions, not "
                                + "\(partitions); writing to it as it is\n").utf8))
                }
                return existing.partitionCount
            }
            guard let partitions else {
                throw KafkaError(
                    .unknownTopic,
                    "topic '\(topic)' does not exist on \(configuration.bootstrap); create it by adding "
                        + "--partitions N (e.g. --partitions 4)")
            }
            try admin.createTopic(topic, partitions: partitions, replicationFactor: replicationFactor)
            FileHandle.standardError.write(Data("created topic '\(topic)' with \(partitions) partitions\n".utf8))
            return partitions
        }

        private func key(of line: UnsafeRawBufferPointer, scanner: inout JSONLineScanner) -> [UInt8]? {
            guard scanner.scan(line) == .object, let value = scanner.values[0] else { return nil }
            switch value {
            case .string(let text): return Array(text.utf8)
            case .number(_, let exactInteger?): return Array(String(exactInteger).utf8)
            case .bool(let flag): return Array((flag ? "true" : "false").utf8)
            default: return nil
            }
        }

        private func report(badLine number: Int, _ line: UnsafeRawBufferPointer, _ counts: inout Counts) {
            counts.badLines += 1
            guard counts.badLines <= badLinesNamed else { return }
            let preview = String(decoding: line.prefix(80), as: UTF8.self)
            let message =
                "warning: line \(number): no \(keyField ?? "") field in a JSON object; produced without a key: "
                + "\(preview)\(line.count > 80 ? "..." : "")\n"
            FileHandle.standardError.write(Data(message.utf8))
        }

        private func summary(_ counts: Counts, partitionCount: Int, seconds: Double) -> String {
            let rate = seconds > 0 ? Int(Double(counts.records) / seconds) : counts.records
            var lines = [
                "produced \(counts.records) records (\(counts.bytes) bytes) to topic '\(topic)' (\(partitionCount) "
                    + "partitions) on \(configuration.bootstrap) in \(String(format: "%.2f", seconds)) s "
                    + "(\(rate) records/s); all acknowledged"
            ]
            if keyField != nil { lines.append("  without a key: \(counts.keyless) (lines without the key field)") }
            lines.append("  empty lines skipped: \(counts.emptyLines)")
            return lines.joined(separator: "\n")
        }
    }

    extension Duration {
        fileprivate var seconds: Double {
            Double(components.seconds) + Double(components.attoseconds) / 1e18
        }
    }
#endif
