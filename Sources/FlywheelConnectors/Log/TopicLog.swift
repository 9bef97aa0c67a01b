import Foundation

/// An open topic: its settings and one `PartitionLog` per partition.
///
/// Thread-safety is that of `PartitionLog`: one writer per partition, any number of readers.
public final class TopicLog: Sendable {
    public let topic: Topic
    /// The topic folder.
    public let directory: String
    /// Partition `p` is `partitions[p]`, stored in the sub-folder named `p`.
    public let partitions: [PartitionLog]

    init(topic: Topic, directory: String, access: PartitionLogOptions) throws(LogError) {
        self.topic = topic
        self.directory = directory
        var partitions: [PartitionLog] = []
        for partition in 0..<topic.partitions {
            let folder = (directory as NSString).appendingPathComponent(String(partition))
            do throws(LogError) {
                partitions.append(try PartitionLog(directory: folder, options: topic.partitionOptions(access)))
            } catch {
                throw Self.naming(error, topic: topic.name, partition: partition)
            }
        }
        self.partitions = partitions
    }

    /// `error` with the topic and partition in its message and in its `LogDamage` cause, if it has one.
    public static func naming(_ error: LogError, topic: String, partition: Int) -> LogError {
        guard var damage = error.cause as? LogDamage else { return error }
        damage.topic = topic
        damage.partition = partition
        var named = error
        let directory = (damage.path as NSString).deletingLastPathComponent + ": "
        let message =
            error.message.hasPrefix(directory) ? String(error.message.dropFirst(directory.count)) : error.message
        named.message = "topic '\(topic)' partition \(partition): " + message
        named.cause = damage
        return named
    }

    /// The partition of a record with `key`; see `Topic.partition(forKey:)`.
    public func partition(forKey key: String) -> Int { topic.partition(forKey: key) }

    /// Flushes and closes every partition (releasing the writer locks); the first failure is thrown after all
    /// partitions were tried.
    public func close() throws(LogError) {
        var failure: LogError?
        for partition in partitions {
            do throws(LogError) {
                try partition.close()
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }
}
