import FlywheelEngine

/// A kafka source's checkpoint state: per cluster name, per partition, the offset of the next record to
/// read (or a `KafkaOffset` special value for a partition that has taken nothing yet).
struct KafkaSourceState: Equatable, Sendable {
    struct Cluster: Equatable, Sendable {
        var name: String
        var offsets: [(partition: Int32, next: Int64)]

        static func == (lhs: Cluster, rhs: Cluster) -> Bool {
            lhs.name == rhs.name && lhs.offsets.map(\.partition) == rhs.offsets.map(\.partition)
                && lhs.offsets.map(\.next) == rhs.offsets.map(\.next)
        }
    }

    static let version: UInt8 = 1

    var clusters: [Cluster]

    func encoded() -> [UInt8] {
        var writer = StateWriter(capacity: 64)
        writer.write(Self.version)
        writer.write(clusters) { writer, cluster in
            writer.write(cluster.name)
            writer.write(cluster.offsets) { writer, entry in
                writer.write(Int64(entry.partition))
                writer.write(entry.next)
            }
        }
        return writer.bytes
    }

    init(clusters: [Cluster]) { self.clusters = clusters }

    init(decoding bytes: [UInt8]) throws(CheckpointError) {
        var reader = StateReader(bytes)
        guard try reader.readByte() == Self.version else {
            throw CheckpointError(.versionMismatch, "unknown kafka source state")
        }
        clusters = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            let name = try reader.readString()
            let offsets = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
                (partition: Int32(truncatingIfNeeded: try reader.readInt64()), next: try reader.readInt64())
            }
            return Cluster(name: name, offsets: offsets)
        }
    }

    /// The offsets of cluster `name`, if the state lists it.
    func offsets(of name: String) -> [(partition: Int32, next: Int64)]? {
        clusters.first { $0.name == name }?.offsets
    }
}
