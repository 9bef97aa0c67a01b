/// One record read from a topic.
public struct KafkaMessage: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Nil for a record without a key.
    public var key: [UInt8]?
    /// Empty for a record with a null value (a tombstone).
    public var value: [UInt8]
    /// Milliseconds since 1970 (the producer's create time, or the broker's log-append time); nil when
    /// the record has none.
    public var timestamp: Int64?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], timestamp: Int64?,
        headers: [KafkaHeader]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
    }
}

/// A record header: a name and a value (nil for a null value). Names may repeat, in order.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(_ name: String, _ value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(_ name: String, _ value: String) { self.init(name, Array(value.utf8)) }
}

/// A partition of a topic, with an offset: where to start (`assign`, `seek`), what to commit (the
/// offset of the next record to read), or what was committed.
public struct KafkaTopicPartition: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    /// A record offset, or one of `KafkaOffset`'s special values.
    public var offset: Int64

    public init(_ topic: String, _ partition: Int32, offset: Int64 = KafkaOffset.stored) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var description: String { "\(topic)[\(partition)]@\(KafkaOffset.describe(offset))" }
}

/// librdkafka's special offsets.
public enum KafkaOffset {
    /// The partition's first record still held by the broker.
    public static let beginning: Int64 = -2
    /// After the partition's last record: only new records are read.
    public static let end: Int64 = -1
    /// The group's committed offset (else `auto.offset.reset`).
    public static let stored: Int64 = -1000
    /// No offset (e.g. nothing committed).
    public static let invalid: Int64 = -1001

    static func describe(_ offset: Int64) -> String {
        switch offset {
        case beginning: return "beginning"
        case end: return "end"
        case stored: return "stored"
        case invalid: return "none"
        default: return String(offset)
        }
    }
}

/// What one `KafkaConsumer.poll` returned: records in the order of each partition, partitions read
/// to their end (when `enable.partition.eof` is true), and errors the client reported meanwhile
/// (most are transient: the client retries; none is dropped unseen).
public struct KafkaBatch: Sendable {
    public var messages: [KafkaMessage] = []
    /// Partitions that reached their end; `offset` is the end offset.
    public var endOfPartition: [KafkaTopicPartition] = []
    public var errors: [KafkaError] = []

    public init() {}

    public var isEmpty: Bool { messages.isEmpty && endOfPartition.isEmpty && errors.isEmpty }
}

/// A topic as the cluster's metadata describes it.
public struct KafkaTopicMetadata: Sendable, Equatable {
    public var name: String
    public var partitionCount: Int
    /// The broker's error for this topic, if any (e.g. `UNKNOWN_TOPIC_OR_PART`).
    public var error: KafkaError.Code?

    public init(name: String, partitionCount: Int, error: KafkaError.Code? = nil) {
        self.name = name
        self.partitionCount = partitionCount
        self.error = error
    }
}

/// A partition's low (first held) and high (next to be written) offsets.
public struct KafkaWatermarks: Sendable, Equatable {
    public var low: Int64
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }
}
