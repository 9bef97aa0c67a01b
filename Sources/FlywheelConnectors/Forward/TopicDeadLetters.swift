import Foundation
import Synchronization

/// A dead-letter queue in an embedded-log topic: each letter is one record whose value is its JSON line
/// (without the "\n"), its timestamp the wall clock in milliseconds, its key nil or the one the caller gives.
///
/// Thread-safe: writes from several deliveries are serialized by a lock, and each letter is one record, so
/// none is torn or lost. Letters are buffered and appended when the buffer passes `flushBytes`, on `sync()`
/// and on `close()`; readers (`flywheel topic consume NAME`) see them once appended. Letters whose append fails
/// stay staged and go with the next append: at least once, never lost while the process lives. This object
/// holds the partitions' writer locks while it is open: one writer per topic at a time, in any process.
public final class TopicDeadLetters: DeadLetterWriter {
    private struct State: ~Copyable {
        /// One batch per partition of the topic.
        var staged: [LogBatch]
        var closed = false
    }

    /// The topic's name.
    public let topic: String
    let log: TopicLog
    private let flushBytes: Int
    private let state: Mutex<State>

    /// Opens topic `topic` of the data folder `dataDir` for appending; with `create`, a missing topic is
    /// created with one partition (and the data folder with it). Fails when another process writes to it.
    public init(dataDir: String, topic: String, create: Bool, flushBytes: Int = 1 << 20) throws(ConnectorError) {
        let embedded = EmbeddedLog(directory: dataDir)
        do throws(LogError) {
            if create, (try? embedded.topic(named: topic)) == nil {
                do throws(LogError) {
                    try embedded.createTopic(Topic(name: topic, partitions: 1))
                } catch  where error.code == .topicExists {
                    // Another writer created it meanwhile: open theirs.
                }
            }
            log = try embedded.open(topic)
        } catch {
            throw ConnectorError(error.code, "dead-letter topic: \(error.message)", cause: error)
        }
        self.topic = topic
        self.flushBytes = flushBytes
        state = Mutex(State(staged: log.partitions.map { _ in LogBatch(capacity: 4096) }))
    }

    deinit { close() }

    /// Stages the letters without a key (partition 0).
    public func write(_ letters: [DeadLetter]) throws(ConnectorError) {
        try write(letters, keys: letters.map { _ in nil })
    }

    /// Stages `letters[i]` with key `keys[i]` (nil: no key, partition 0; a key picks its partition as
    /// `Topic.partition(forKey:)` does, which matters only for a topic made with several partitions).
    public func write(_ letters: [DeadLetter], keys: [[UInt8]?]) throws(ConnectorError) {
        guard letters.count == keys.count else {
            throw ConnectorError(
                .invalidArgument, "dead letters: \(letters.count) letters but \(keys.count) keys; pass one key each")
        }
        let now = LogFile.wallClockMillis()
        let lines = letters.map { $0.jsonLine().dropLast() }
        let partitions = keys.map { key in key.map { log.partition(forKey: String(decoding: $0, as: UTF8.self)) } ?? 0 }
        try state.withLock { (state) throws(ConnectorError) in
            guard !state.closed else {
                throw ConnectorError(
                    .writeFailed, "dead-letter topic '\(topic)' is closed; nothing more can be written")
            }
            var full = false
            for index in lines.indices {
                lines[index].withUnsafeBytes { value in
                    if let key = keys[index] {
                        key.withUnsafeBytes {
                            state.staged[partitions[index]].append(key: $0, value: value, timestamp: now)
                        }
                    } else {
                        state.staged[partitions[index]].append(key: nil, value: value, timestamp: now)
                    }
                }
                full = full || state.staged[partitions[index]].byteCount >= flushBytes
            }
            if full { try append(&state) }
        }
    }

    /// Appends what is staged and fsyncs the topic: every letter written before is durable when it returns.
    public func sync() throws(ConnectorError) {
        try state.withLock { (state) throws(ConnectorError) in
            guard !state.closed else { return }
            try append(&state)
            do throws(LogError) {
                for partition in log.partitions { try partition.sync() }
            } catch {
                throw ConnectorError(
                    .writeFailed, "cannot sync dead-letter topic '\(topic)': \(error.message)", cause: error)
            }
        }
    }

    /// Syncs, then closes the topic (releasing its writer locks). Letters that cannot be made durable here
    /// are reported on standard error: a caller that must know calls `sync()` first.
    public func close() {
        state.withLock { state in
            guard !state.closed else { return }
            do throws(ConnectorError) {
                try append(&state)
            } catch {
                FileHandle.standardError.write(Data("warning: \(error.message)\n".utf8))
            }
            state.closed = true
            do throws(LogError) {
                try log.close()
            } catch {
                FileHandle.standardError.write(
                    Data("warning: cannot close dead-letter topic '\(topic)': \(error.message)\n".utf8))
            }
        }
    }

    /// Appends the staged batches (each partition's with one write) under the lock.
    private func append(_ state: inout State) throws(ConnectorError) {
        for partition in state.staged.indices where !state.staged[partition].isEmpty {
            do throws(LogError) {
                try log.partitions[partition].append(&state.staged[partition])
            } catch {
                throw ConnectorError(
                    .writeFailed, "cannot append to dead-letter topic '\(topic)': \(error.message)", cause: error)
            }
        }
    }
}
