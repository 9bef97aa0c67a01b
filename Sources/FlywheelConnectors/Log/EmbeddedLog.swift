import Foundation

/// A data folder of named topics on one machine, without a broker.
///
/// Layout: `DIR/<topic>/topic.json` (the `Topic` settings) and `DIR/<topic>/<partition>/` with the segments
/// `<20-digit base offset>.log` + `.index` and a `.lock` file held by the writing process. The value is a path
/// only; every call goes to the file system, so several processes can share a data folder.
public struct EmbeddedLog: Sendable {
    /// The data folder.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    static let metadataFile = "topic.json"

    func folder(of name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Creates a topic with its partition folders (atomically: a half-created topic is never visible) and returns
    /// it with its creation time set. Creates the data folder if needed.
    @discardableResult
    public func createTopic(_ topic: Topic) throws(LogError) -> Topic {
        try topic.validate()
        var topic = topic
        if topic.createdMillis == 0 { topic.createdMillis = LogFile.wallClockMillis() }
        let target = folder(of: topic.name)
        guard !LogFile.fileExists(target) else {
            throw LogError(.topicExists, "topic '\(topic.name)' already exists in \(directory)")
        }
        let staging = folder(of: ".creating-\(topic.name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            for partition in 0..<topic.partitions {
                let path = (staging as NSString).appendingPathComponent(String(partition))
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let metadata = (staging as NSString).appendingPathComponent(Self.metadataFile)
            try encoder.encode(topic).write(to: URL(fileURLWithPath: metadata))
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw LogError(.writeFailed, "cannot create topic '\(topic.name)' in \(directory): \(error)", cause: error)
        }
        guard rename(staging, target) == 0 else {
            let reason = LogFile.errnoText()
            try? FileManager.default.removeItem(atPath: staging)
            if LogFile.fileExists(target) {
                throw LogError(.topicExists, "topic '\(topic.name)' already exists in \(directory)")
            }
            throw LogError(.writeFailed, "cannot create topic '\(topic.name)' in \(directory): \(reason)")
        }
        try LogFile.syncDirectory(directory)
        return topic
    }

    /// The topics of the data folder, by name. A missing data folder has none. Fails on the first topic whose
    /// `topic.json` is bad; `topicEntries()` reads past it.
    public func topics() throws(LogError) -> [Topic] {
        try topicEntries().map { (entry) throws(LogError) in try entry.settings.get() }
    }

    /// Every topic folder of the data folder (one holding a `topic.json`), by name, with its settings or the error
    /// reading them, so that one bad topic hides no other. A missing data folder has none.
    public func topicEntries() -> [(name: String, settings: Result<Topic, LogError>)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var entries: [(name: String, settings: Result<Topic, LogError>)] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let metadata = (folder(of: name) as NSString).appendingPathComponent(Self.metadataFile)
            guard LogFile.fileExists(metadata) else { continue }
            do throws(LogError) {
                entries.append((name, .success(try topic(named: name))))
            } catch {
                entries.append((name, .failure(error)))
            }
        }
        return entries
    }

    /// The settings of topic `name`.
    public func topic(named name: String) throws(LogError) -> Topic {
        try Topic.validate(name: name)
        let metadata = (folder(of: name) as NSString).appendingPathComponent(Self.metadataFile)
        var status = stat()
        guard stat(metadata, &status) == 0 else {
            throw LogError(.topicNotFound, "topic '\(name)' not found in \(directory)")
        }
        // A folder or a named pipe (which a read would wait on forever) is not a settings file.
        guard status.st_mode & S_IFMT == S_IFREG, let data = FileManager.default.contents(atPath: metadata) else {
            throw LogError(
                .corrupt,
                "\(metadata) is not a regular file that can be read; restore it, or delete the topic (topic delete)")
        }
        return try TopicFile.decode(data, path: metadata, name: name)
    }

    /// Opens every partition of topic `name` with the durability and access settings of `access` (segment size
    /// and retention come from the topic). A writable open takes each partition's writer lock and repairs torn
    /// tails; see `PartitionLog.init(directory:options:)`.
    public func open(_ name: String, access: PartitionLogOptions = PartitionLogOptions()) throws(LogError)
        -> TopicLog
    {
        let topic = try topic(named: name)
        return try TopicLog(topic: topic, directory: folder(of: name), access: access)
    }

    /// Cuts partition `partition` of topic `name` at the damage in its newest segment, if there is any: the damaged
    /// record and every later one in that segment are removed, and the next records appended take their offsets.
    /// Returns what was cut (nil when the tail was whole). Refused while a process writes to the partition.
    public func repairPartition(_ name: String, partition: Int) throws(LogError) -> RecoveryReport? {
        let topic = try topic(named: name)
        guard partition >= 0 && partition < topic.partitions else {
            throw LogError(
                .invalidArgument, "topic '\(name)' has partitions 0 to \(topic.partitions - 1), not \(partition)")
        }
        var access = PartitionLogOptions()
        access.cutDamage = true
        access.warn = { _ in }
        let folder = (folder(of: name) as NSString).appendingPathComponent(String(partition))
        let log = try PartitionLog(directory: folder, options: topic.partitionOptions(access))
        try log.close()
        return log.lastRecovery
    }

    /// Deletes topic `name` and all its data. Refused while a process writes to one of its partitions.
    /// A topic whose `topic.json` is bad can be deleted too: the partition folders present are locked.
    public func deleteTopic(named name: String) throws(LogError) {
        try Topic.validate(name: name)
        let target = folder(of: name)
        guard LogFile.fileExists((target as NSString).appendingPathComponent(Self.metadataFile)) else {
            throw LogError(.topicNotFound, "topic '\(name)' not found in \(directory)")
        }
        let partitions = ((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).compactMap { Int($0) }
        var locks: [Int32] = []
        defer { for fd in locks { close(fd) } }
        for partition in partitions.sorted() {
            let lock = (target as NSString).appendingPathComponent("\(partition)/.lock")
            guard let fd = try? LogFile.tryLock(lock) else {
                throw LogError(
                    .partitionLocked,
                    "topic '\(name)' is being written by another process (partition \(partition)); stop it first")
            }
            locks.append(fd)
        }
        let doomed = folder(of: ".deleting-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard rename(target, doomed) == 0 else {
            throw LogError(.writeFailed, "cannot delete topic '\(name)' in \(directory): \(LogFile.errnoText())")
        }
        try LogFile.syncDirectory(directory)
        try? FileManager.default.removeItem(atPath: doomed)
    }
}
