import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals

/// Reads one source partition, a file or a topic partition, from a position, and decodes its lines:
/// what a replay reads, whether on a decoder task of its own or on the ingest's task.
final class InputReader {
    private enum Source {
        case file(LineReader)
        /// The partition's log, the next offset, and the high watermark found on opening: a replay
        /// reads what the topic held when it started.
        case topic(PartitionLog, next: Int64, end: Int64)
    }

    private var source: Source
    private var decoder: LineDecoder
    private let directory: String
    /// A topic's records decoded ahead, and how many of them were handed out: each read of the log
    /// looks up its index and reads a chunk, too much to do for a few records at a time.
    private var pending: [InputLine] = []
    private var handedOut = 0
    private static let topicChunkBytes = 256 << 10

    /// Opens `input` (the source partition numbered `partition`) at `position`; `countsPII`: see
    /// `EventDecoder.countsPII`; `hashesPrefix`: lines carry `prefixHash`; `stop` ends a wait on a pipe;
    /// `pool`: see `ChatEventPool`.
    init(
        _ input: ReplaySource, partition: Int, maxEventBytes: Int, countsPII: Bool, position: InputPosition,
        hashesPrefix: Bool = false, stop: StopSignals? = nil, pool: ChatEventPool? = nil
    ) throws(ConnectorError) {
        decoder = LineDecoder(partition: partition, maxEventBytes: maxEventBytes, countsPII: countsPII, pool: pool)
        switch input {
        case .file(let path):
            directory = path
            let reader = LineReader(source: try ByteSource(path: path, stop: stop), maxLineBytes: maxEventBytes)
            reader.hashesPrefix = hashesPrefix
            try reader.resume(at: position.offset, lineNumber: position.line, prefixHash: position.hash)
            source = .file(reader)
        case .topicPartition(_, _, let directory):
            self.directory = directory
            do throws(LogError) {
                var options = PartitionLogOptions()
                options.readOnly = true
                let log = try PartitionLog(directory: directory, options: options)
                try Self.check(position, in: log, directory: directory)
                source = .topic(log, next: max(position.offset, log.logStartOffset), end: log.highWatermark)
            } catch {
                throw ConnectorError(.readFailed, topicReadFailure(directory, error), cause: error)
            }
        }
    }

    /// A resumed topic partition still holds the records after `position` (none were removed by
    /// retention) and at least as many as were read.
    private static func check(_ position: InputPosition, in log: PartitionLog, directory: String) throws(LogError) {
        guard position.offset > 0 else { return }
        if position.offset < log.logStartOffset {
            throw LogError(
                .offsetOutOfRange,
                "records \(position.offset)..<\(log.logStartOffset) were removed (retention) after the checkpoint read "
                    + "up to \(position.offset); delete the checkpoint folder to replay from the start")
        }
        if position.offset > log.highWatermark {
            throw LogError(
                .offsetOutOfRange,
                "it ends at offset \(log.highWatermark) but the checkpoint read up to \(position.offset); "
                    + "delete the checkpoint folder to replay from the start")
        }
    }

    deinit {
        if case .topic(let log, _, _) = source { try? log.close() }
    }

    /// Decodes up to `maxLines` more lines (blank lines of a file are skipped, not counted), handing
    /// each to `body`; returns false once the partition has no more.
    func read(maxLines: Int, _ body: (consuming InputLine) -> Void) throws(ConnectorError) -> Bool {
        switch source {
        case .file(let reader):
            return try reader.read(maxLines: maxLines) { position, endOffset, content in
                if var line = decoder.decode(content, position: position, endOffset: endOffset) {
                    line.prefixHash = reader.prefixHash
                    body(consume line)
                }
            }
        case .topic(let log, let next, let end):
            if handedOut == pending.count {
                guard next < end else { return false }
                pending.removeAll(keepingCapacity: true)
                handedOut = 0
                try readChunk(log, from: next, end: end)
            }
            let stop = min(pending.count, handedOut + maxLines)
            while handedOut < stop {
                // Moved out, not copied: a copy would retain the event.
                var line = InputLine.moved
                swap(&line, &pending[handedOut])
                body(consume line)
                handedOut += 1
            }
            if case .topic(_, let next, let end) = source { return handedOut < pending.count || next < end }
            return false
        }
    }

    private func readChunk(_ log: PartitionLog, from next: Int64, end: Int64) throws(ConnectorError) {
        do throws(LogError) {
            let after = try log.forEachRecord(
                from: next, maxBytes: Self.topicChunkBytes, maxRecords: Int(end - next)
            ) { view in
                pending.append(decoder.decode(view.value, position: view.offset, endOffset: view.offset + 1))
            }
            guard after > next else {
                throw LogError(.corrupt, "no record readable at offset \(next) of \(directory)")
            }
            source = .topic(log, next: after, end: end)
        } catch {
            throw ConnectorError(.readFailed, topicReadFailure(directory, error), cause: error)
        }
    }
}

/// A log error's message, naming the partition folder unless it already does.
private func topicReadFailure(_ directory: String, _ error: LogError) -> String {
    error.message.contains(directory) ? error.message : "cannot read \(directory): \(error.message)"
}
