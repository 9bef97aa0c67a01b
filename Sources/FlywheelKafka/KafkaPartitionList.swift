import CRdkafka

/// Conversions between `[KafkaTopicPartition]` and librdkafka's `rd_kafka_topic_partition_list_t`.
enum KafkaPartitionList {
    /// A new C list; the caller destroys it (`rd_kafka_topic_partition_list_destroy`).
    static func make(_ partitions: [KafkaTopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(clamping: partitions.count))!
        for partition in partitions {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!
            element.pointee.offset = partition.offset
        }
        return list
    }

    /// The elements of `list`, with their offsets.
    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartition] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            return KafkaTopicPartition(String(cString: element.topic), element.partition, offset: element.offset)
        }
    }

    /// The first per-partition error in `list`, as a `KafkaError` naming the partition.
    static func firstError(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>, _ doing: String) -> KafkaError? {
        guard let elements = list.pointee.elems else { return nil }
        for index in 0..<Int(list.pointee.cnt) where elements[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = elements[index]
            return KafkaError(element.err, "\(doing) \(String(cString: element.topic))[\(element.partition)]")
        }
        return nil
    }
}
