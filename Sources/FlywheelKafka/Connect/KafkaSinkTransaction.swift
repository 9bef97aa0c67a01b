import FlywheelConnectors

/// The open transaction of an exactly-once `KafkaSink`: the records produced in it, as produced, and the
/// marker that tells a restarted sink whether it committed.
///
/// The marker is an offset commit of the group `flywheel-txn.<transactional.id>` for partition 0 of the
/// first record's topic, at offset `marker` (a random number per transaction), added to the transaction
/// (`sendOffsetsToTransaction`): the broker makes it the group's committed offset exactly when the
/// transaction commits. The checkpoint's state of the sink is `encoded()`: a sink restored from it reads
/// the group's committed offset and, when it is not `marker`, produces `records` again.
struct KafkaSinkTransaction: Equatable {
    struct Record: Equatable {
        var topic: String
        var key: [UInt8]?
        var value: [UInt8]
        var headers: [KafkaHeader]
    }

    /// The cluster and transactional id that produced the records (a restore elsewhere cannot check them).
    var bootstrap: String
    var transactionalID: String
    /// The checkpoint whose snapshot closed the transaction (0 while open).
    var checkpoint: Int64 = 0
    var marker: Int64
    var records: [Record] = []
    /// The sum of the records' key, value and header sizes.
    private(set) var bytes = 0

    /// The most record bytes a transaction may carry into a checkpoint.
    static let maxBytes = 64 << 20

    init(bootstrap: String, transactionalID: String, marker: Int64 = Int64.random(in: 1..<Int64.max)) {
        self.bootstrap = bootstrap
        self.transactionalID = transactionalID
        self.marker = marker
    }

    /// The consumer group whose committed offset marks committed transactions of `transactionalID`.
    static func markerGroup(_ transactionalID: String) -> String { "flywheel-txn.\(transactionalID)" }

    /// The partition the marker is committed for; nil when the transaction holds no record.
    var markerPartition: KafkaTopicPartition? {
        records.first.map { KafkaTopicPartition($0.topic, 0, offset: marker) }
    }

    mutating func append(_ record: Record) {
        bytes += (record.key?.count ?? 0) + record.value.count + record.topic.utf8.count
        for header in record.headers { bytes += header.name.utf8.count + (header.value?.count ?? 0) }
        records.append(record)
    }
}

// MARK: - Encoding

extension KafkaSinkTransaction {
    /// `FWKT` and a version byte, then the fields; integers little-endian, byte strings length-prefixed.
    private static let magic: [UInt8] = Array("FWKT".utf8) + [1]

    func encoded() -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(bytes + 16 * records.count + 64)
        out.put(string: bootstrap)
        out.put(string: transactionalID)
        out.put(checkpoint)
        out.put(marker)
        out.put(Int64(records.count))
        for record in records {
            out.put(string: record.topic)
            out.put(optional: record.key)
            out.put(bytes: record.value)
            out.put(Int64(record.headers.count))
            for header in record.headers {
                out.put(string: header.name)
                out.put(optional: header.value)
            }
        }
        return out
    }

    /// The transaction `encoded()` wrote; nil for the state of an earlier Flywheel (which kept none).
    init?(decoding state: [UInt8]) throws(ConnectorError) {
        guard state.starts(with: Self.magic.prefix(4)) else { return nil }
        var reader = StateReader(data: state, at: 4)
        guard try reader.byte() == Self.magic[4] else {
            throw ConnectorError(
                .checkpointMismatch, "kafka sink state: unknown version \(state[4]) (a newer Flywheel?)")
        }
        self.init(bootstrap: try reader.string(), transactionalID: try reader.string(), marker: 0)
        checkpoint = try reader.int()
        marker = try reader.int()
        for _ in 0..<(try reader.count()) {
            let topic = try reader.string()
            let key = try reader.optional()
            let value = try reader.bytes()
            var headers: [KafkaHeader] = []
            for _ in 0..<(try reader.count()) {
                headers.append(KafkaHeader(try reader.string(), try reader.optional()))
            }
            append(Record(topic: topic, key: key, value: value, headers: headers))
        }
    }
}

extension [UInt8] {
    fileprivate mutating func put(_ value: Int64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    fileprivate mutating func put(bytes: [UInt8]) {
        put(Int64(bytes.count))
        append(contentsOf: bytes)
    }

    fileprivate mutating func put(string: String) { put(bytes: Array(string.utf8)) }

    /// -1 for nil.
    fileprivate mutating func put(optional: [UInt8]?) {
        if let optional { put(bytes: optional) } else { put(Int64(-1)) }
    }
}

/// Reads what `encoded()` wrote; a short or damaged state throws.
private struct StateReader {
    let data: [UInt8]
    var at: Int

    mutating func byte() throws(ConnectorError) -> UInt8 {
        guard at < data.count else { throw Self.damaged }
        defer { at += 1 }
        return data[at]
    }

    mutating func int() throws(ConnectorError) -> Int64 {
        guard data.count - at >= 8 else { throw Self.damaged }
        var value: Int64 = 0
        for index in 0..<8 { value |= Int64(data[at + index]) << (8 * index) }
        at += 8
        return value
    }

    mutating func count() throws(ConnectorError) -> Int {
        let value = try int()
        guard value >= 0, value <= data.count - at else { throw Self.damaged }
        return Int(value)
    }

    mutating func bytes() throws(ConnectorError) -> [UInt8] {
        let count = try count()
        defer { at += count }
        return Array(data[at..<at + count])
    }

    mutating func string() throws(ConnectorError) -> String { String(decoding: try bytes(), as: UTF8.self) }

    mutating func optional() throws(ConnectorError) -> [UInt8]? {
        guard data.count - at >= 8 else { throw Self.damaged }
        if data[at..<at + 8].allSatisfy({ $0 == 0xFF }) {
            at += 8
            return nil
        }
        return try self.bytes()
    }

    static let damaged = ConnectorError(
        .corrupt, "kafka sink state in the checkpoint is damaged (truncated or not written by this sink)")
}
