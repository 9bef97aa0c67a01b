/// One record handed to a `Forwarder`: its bytes, and where it came from (for commits and keys).
public struct ForwardItem: Sendable {
    /// The record: one JSON document (or any bytes without a newline), sent as one line of a body.
    public var value: [UInt8]
    /// The source partition (a topic's partition; 0 for a pipeline sink).
    public var partition: Int32
    /// The record's offset in its partition (a topic), or its place in the sink's output.
    public var position: Int64

    public init(value: [UInt8], partition: Int32 = 0, position: Int64) {
        self.value = value
        self.partition = partition
        self.position = position
    }
}

/// How a request's `Idempotency-Key` is derived from its records.
public enum KeyDerivation: Sendable {
    /// From the records' bytes (pipeline signals: a record is the same record when its bytes are).
    case content
    /// From the records' places in a topic (its name, each record's partition and offset): two equal
    /// values at different offsets are different records.
    case position(topic: String)

    func key(of items: ArraySlice<ForwardItem>) -> IdempotencyKey {
        var key = IdempotencyKey()
        switch self {
        case .content:
            for item in items { key.add(item.value) }
        case .position(let topic):
            key.add(Array(topic.utf8))
            for item in items {
                key.add(Int64(item.partition))
                key.add(item.position)
            }
        }
        return key
    }
}

/// How a request ended, for its records.
public enum Settlement: Sendable, Equatable {
    /// The receiver answered 2xx.
    case delivered
    /// The records went to the dead-letter queue.
    case deadLettered(status: Int?, error: String)
}
