#if canImport(FlywheelKafka)
    import FlywheelConnectors
    import FlywheelForward
    import FlywheelKafka

    /// A Kafka topic for `flywheel forward --from kafka://HOST:PORT/TOPIC`: every partition assigned at the
    /// forwarder's positions (no group rebalancing: the positions file is the truth), read through one
    /// consumer whose batches are sorted into per-partition buffers. With `--group`, positions are also
    /// committed to that group after each commit of the positions file, so `flywheel kafka lag` shows
    /// the forwarder's lag.
    final class KafkaForwardInput: ForwardInput {
        let topic: String
        let partitionCount: Int
        private let consumer: KafkaConsumer
        private let hasGroup: Bool
        private var buffers: [[KafkaMessage]]
        private var heads: [Int]
        private var ends: [Int64]
        private let timeout = Duration.seconds(10)

        init(bootstrap: String, topic: String, group: String?, properties: [String: String]) throws {
            var settings = properties
            if let group { settings["group.id"] = group }
            do {
                consumer = try KafkaConsumer(KafkaConfiguration(bootstrap: bootstrap, settings))
                let metadata = try consumer.metadata(timeout: timeout).first { $0.name == topic }
                guard let metadata, metadata.error == nil, metadata.partitionCount > 0 else {
                    throw ConnectorError(
                        .invalidOption,
                        "topic \(topic) does not exist on \(bootstrap) (flywheel kafka produce FILE --bootstrap "
                            + "\(bootstrap) --topic \(topic) --partitions N creates it)")
                }
                partitionCount = metadata.partitionCount
            } catch let error as KafkaError {
                throw ConnectorError(.readFailed, "Kafka \(bootstrap): \(error)")
            }
            self.topic = topic
            hasGroup = group != nil
            buffers = Array(repeating: [], count: partitionCount)
            heads = Array(repeating: 0, count: partitionCount)
            ends = Array(repeating: 0, count: partitionCount)
        }

        func startOffset(_ partition: Int, _ start: ForwardJobOptions.Start) throws -> Int64 {
            if hasGroup,
                let committed = try kafka({
                    try consumer.committed([KafkaTopicPartition(topic, Int32(partition))], timeout: timeout).first
                }), let committed, committed >= 0
            {
                return committed
            }
            let marks = try kafka {
                try consumer.watermarks(topic: topic, partition: Int32(partition), timeout: timeout)
            }
            return start == .earliest ? marks.low : marks.high
        }

        func end(_ partition: Int) throws -> Int64 {
            // The buffered records are known to exist even when the broker's end offset lags behind them.
            let marks = try kafka {
                try consumer.watermarks(topic: topic, partition: Int32(partition), timeout: timeout)
            }
            ends[partition] = max(ends[partition], marks.high, buffers[partition].last.map { $0.offset + 1 } ?? 0)
            return ends[partition]
        }

        func begin(at offsets: [Int64]) throws {
            try kafka {
                try consumer.assign(offsets.enumerated().map { KafkaTopicPartition(topic, Int32($0), offset: $1) })
            }
        }

        func read(_ partition: Int, from offset: Int64, max: Int, _ body: (ForwardItem) -> Void) throws -> Int64 {
            if heads[partition] >= buffers[partition].count {
                buffers[partition].removeAll(keepingCapacity: true)
                heads[partition] = 0
                let batch = try kafka { try consumer.poll(maxMessages: 4_096, timeout: .milliseconds(5)) }
                for message in batch.messages where Int(message.partition) < partitionCount {
                    buffers[Int(message.partition)].append(message)
                }
            }
            var next = offset
            var taken = 0
            while heads[partition] < buffers[partition].count && taken < max {
                let message = buffers[partition][heads[partition]]
                heads[partition] += 1
                guard message.offset >= next else { continue }  // already forwarded
                body(ForwardItem(value: message.value, partition: Int32(partition), position: message.offset))
                next = message.offset + 1
                taken += 1
            }
            return next
        }

        func committed(_ offsets: [Int64]) {
            guard hasGroup else { return }
            // For lag monitoring only (positions live in DIR/forward): bounded, so a dead cluster cannot hold it.
            try? consumer.commit(
                offsets.enumerated().map { KafkaTopicPartition(topic, Int32($0), offset: $1) }, timeout: .seconds(5))
        }

        func close() { consumer.close() }

        private func kafka<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as KafkaError {
                throw ConnectorError(.readFailed, "Kafka topic \(topic): \(error)")
            }
        }
    }
#endif
