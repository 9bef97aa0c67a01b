/// A number of a topic's settings with its bounds, shared by `topic.json` and the flags of `flywheel topic create`.
public enum TopicSetting: String, Sendable, CaseIterable {
    case partitions
    case segmentBytes
    case indexIntervalBytes
    case retentionBytes
    case retentionMillis
    case createdMillis

    /// The key in `topic.json`.
    public var key: String {
        switch self {
        case .partitions: "partitions"
        case .segmentBytes: "segment_bytes"
        case .indexIntervalBytes: "index_interval_bytes"
        case .retentionBytes: "retention_bytes"
        case .retentionMillis: "retention_ms"
        case .createdMillis: "created_ms"
        }
    }

    /// The accepted values: partitions 1 to 10000, segments 1 KiB to 4 GiB, an index entry every 1 B to 1 GiB,
    /// retention of at least 1 KiB and from 1 s to 100 years, a creation time in years 1970 to 9999.
    public var bounds: ClosedRange<Int64> {
        switch self {
        case .partitions: 1...10_000
        case .segmentBytes: 1024...Int64(UInt32.max)
        case .indexIntervalBytes: 1...(1 << 30)
        case .retentionBytes: 1024...Int64.max
        case .retentionMillis: 1000...3_155_760_000_000
        case .createdMillis: 0...253_402_300_799_999
        }
    }

    /// The bounds in words, e.g. "an integer from 1 to 10000".
    public var boundsText: String {
        switch self {
        case .partitions: "an integer from 1 to 10000"
        case .segmentBytes: "a size from 1KiB to 4GiB (1024 to 4294967295 bytes)"
        case .indexIntervalBytes: "a size from 1B to 1GiB"
        case .retentionBytes: "a size of at least 1KiB (1024 bytes)"
        case .retentionMillis: "a duration from 1s to 100 years (1000 to 3155760000000 ms)"
        case .createdMillis: "a time in milliseconds since 1970 before the year 10000"
        }
    }
}
