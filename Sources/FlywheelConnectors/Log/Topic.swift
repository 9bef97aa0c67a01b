import FlywheelEngine

/// The settings of a topic, stored as `topic.json` in its folder: name, partition count, segment size and
/// retention. Immutable once created.
public struct Topic: Sendable, Equatable, Codable {
    /// The version of the folder layout and record format; readers refuse other versions.
    public static let formatVersion = 1

    public var formatVersion = Topic.formatVersion
    public var name: String
    public var partitions: Int
    /// Size after which a segment file is rolled.
    public var segmentBytes: Int
    /// Bytes of data between sparse index entries.
    public var indexIntervalBytes: Int
    /// Per-partition size limit of retention; nil keeps everything.
    public var retentionBytes: Int?
    /// Age limit of retention in milliseconds; nil keeps everything.
    public var retentionMillis: Int64?
    /// Creation time, milliseconds since the Unix epoch.
    public var createdMillis: Int64

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case name, partitions
        case segmentBytes = "segment_bytes"
        case indexIntervalBytes = "index_interval_bytes"
        case retentionBytes = "retention_bytes"
        case retentionMillis = "retention_ms"
        case createdMillis = "created_ms"
    }

    public init(
        name: String, partitions: Int, segmentBytes: Int = 64 << 20, indexIntervalBytes: Int = 4096,
        retentionBytes: Int? = nil, retentionMillis: Int64? = nil, createdMillis: Int64 = 0
    ) {
        self.name = name
        self.partitions = partitions
        self.segmentBytes = segmentBytes
        self.indexIntervalBytes = indexIntervalBytes
        self.retentionBytes = retentionBytes
        self.retentionMillis = retentionMillis
        self.createdMillis = createdMillis
    }

    /// The partition of a record with `key`: FNV-1a 64 of the key's UTF-8 bytes (`StableHash`) modulo the
    /// partition count, the same in every process and on every machine.
    public func partition(forKey key: String) -> Int {
        StableHash.shard(of: key, count: partitions)
    }

    /// Checks the name (1 to 200 of `A-Z a-z 0-9 . _ -`, not starting with a dot) and that every number is within
    /// the bounds of `TopicSetting`; `label` says how a setting is called in the message (a key of `topic.json`
    /// or a flag of `topic create`).
    public func validate(label: (TopicSetting) -> String = { $0.key }) throws(LogError) {
        try Self.validate(name: name)
        let values: [(TopicSetting, Int64?)] = [
            (.partitions, Int64(partitions)), (.segmentBytes, Int64(segmentBytes)),
            (.indexIntervalBytes, Int64(indexIntervalBytes)), (.retentionBytes, retentionBytes.map(Int64.init)),
            (.retentionMillis, retentionMillis), (.createdMillis, createdMillis),
        ]
        for (setting, value) in values {
            guard let value, !setting.bounds.contains(value) else { continue }
            throw LogError(.invalidArgument, "\(label(setting)) must be \(setting.boundsText), got \(value)")
        }
    }

    /// Checks a topic name: 1 to 200 characters of `A-Z a-z 0-9 . _ -`, not starting with a dot.
    public static func validate(name: String) throws(LogError) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard allowed, !name.isEmpty, name.utf8.count <= 200, !name.hasPrefix(".") else {
            throw LogError(
                .invalidArgument,
                "bad topic name '\(name)': use 1 to 200 of A-Z a-z 0-9 . _ - and do not start with a dot")
        }
    }

    /// The options a partition of this topic is opened with, given the access settings in `access`.
    public func partitionOptions(_ access: PartitionLogOptions) -> PartitionLogOptions {
        var options = access
        options.segmentBytes = segmentBytes
        options.indexIntervalBytes = indexIntervalBytes
        options.retentionBytes = retentionBytes
        options.retentionMillis = retentionMillis
        return options
    }
}
