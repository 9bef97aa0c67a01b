import FlywheelEngine
import FlywheelSignals

/// Reads one partition of an embedded-log topic, from an offset up to the high watermark it finds
/// when it starts, and decodes each record's value as one input line.
struct TopicInputDecoder: Sendable {
    let directory: String
    let partition: Int
    let maxEventBytes: Int
    let batchLines: Int
    /// Whether events get `textPIICount` (see `EventDecoder.countsPII`).
    var countsPII = false
    /// The next offset to read (0 for a fresh replay; past the log start is clamped to it).
    var startOffset: Int64 = 0

    func run(into channel: BoundedChannel<Result<[InputLine], ConnectorError>>) async {
        defer { channel.finish() }
        do throws(LogError) {
            var options = PartitionLogOptions()
            options.readOnly = true
            let log = try PartitionLog(directory: directory, options: options)
            defer { try? log.close() }
            let end = log.highWatermark
            var next = max(startOffset, log.logStartOffset)
            var decoder = LineDecoder(partition: partition, maxEventBytes: maxEventBytes, countsPII: countsPII)
            while next < end {
                var batch: [InputLine] = []
                batch.reserveCapacity(batchLines)
                let after = try log.forEachRecord(from: next, maxRecords: min(batchLines, Int(end - next))) { view in
                    batch.append(decoder.decode(view.value, position: view.offset, endOffset: view.offset + 1))
                }
                guard after > next else {
                    throw LogError(.corrupt, "no record readable at offset \(next) of \(directory)")
                }
                next = after
                if !batch.isEmpty { await channel.send(.success(batch)) }
            }
        } catch {
            await channel.send(
                .failure(ConnectorError(.readFailed, "cannot read \(directory): \(error.message)", cause: error)))
        }
    }
}
