/// One record of a topic partition: an optional key, a value, a timestamp and, once appended, its offset.
public struct LogRecord: Sendable, Hashable {
    /// The record's position in its partition; assigned by `PartitionLog.append` (ignored when appending).
    public var offset: Int64
    /// Milliseconds since the Unix epoch: the producer's wall clock or the event time.
    public var timestamp: Int64
    /// The key bytes; nil for a record without a key (distinct from an empty key).
    public var key: [UInt8]?
    /// The value bytes, opaque to the log.
    public var value: [UInt8]

    public init(offset: Int64 = -1, timestamp: Int64, key: [UInt8]?, value: [UInt8]) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
    }

    /// A record with UTF-8 text as key and value.
    public init(timestamp: Int64, key: String?, value: String) {
        self.init(timestamp: timestamp, key: key.map { Array($0.utf8) }, value: Array(value.utf8))
    }

    /// The key as UTF-8 text (invalid bytes become U+FFFD); nil without a key.
    public var keyText: String? { key.map { String(decoding: $0, as: UTF8.self) } }

    /// The value as UTF-8 text (invalid bytes become U+FFFD).
    public var valueText: String { String(decoding: value, as: UTF8.self) }
}

/// Records encoded in the on-disk frame format, ready to be written with one `write(2)`.
///
/// Offsets and checksums are filled in by `PartitionLog.append(_:)`, which then empties the batch (keeping its
/// capacity) so that a producer can refill it. Not thread-safe: one producer fills one batch.
public struct LogBatch: Sendable {
    /// The frames, back to back.
    var bytes: [UInt8]
    /// Where each frame starts in `bytes`.
    var frameStarts: [Int] = []
    /// The largest timestamp in the batch; `Int64.min` when empty.
    public private(set) var maxTimestamp = Int64.min

    /// An empty batch that can hold about `capacity` bytes before it reallocates.
    public init(capacity: Int = 1 << 20) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of records in the batch.
    public var count: Int { frameStarts.count }
    /// Bytes the batch will take on disk.
    public var byteCount: Int { bytes.count }
    public var isEmpty: Bool { frameStarts.isEmpty }

    /// Adds a record; `key == nil` is a record without a key.
    public mutating func append(key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, timestamp: Int64) {
        frameStarts.append(bytes.count)
        let keyCount = key?.count ?? 0
        let length = UInt32(RecordFrame.headerBytes - 4 + keyCount + value.count)
        Self.put(length, into: &bytes)
        Self.put(UInt32(0), into: &bytes)  // CRC, sealed on append
        Self.put(UInt64(0), into: &bytes)  // offset, sealed on append
        Self.put(UInt64(bitPattern: timestamp), into: &bytes)
        Self.put(key.map { UInt32($0.count) } ?? RecordFrame.noKey, into: &bytes)
        if let key { bytes.append(contentsOf: key) }
        bytes.append(contentsOf: value)
        maxTimestamp = max(maxTimestamp, timestamp)
    }

    /// Adds a record with key and value given as byte arrays.
    public mutating func append(key: [UInt8]?, value: [UInt8], timestamp: Int64) {
        value.withUnsafeBytes { valueBytes in
            if let key {
                key.withUnsafeBytes { append(key: $0, value: valueBytes, timestamp: timestamp) }
            } else {
                append(key: nil, value: valueBytes, timestamp: timestamp)
            }
        }
    }

    /// Adds `record` (its offset is ignored).
    public mutating func append(_ record: LogRecord) {
        append(key: record.key, value: record.value, timestamp: record.timestamp)
    }

    /// Empties the batch, keeping its capacity.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        frameStarts.removeAll(keepingCapacity: true)
        maxTimestamp = .min
    }

    private static func put<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
