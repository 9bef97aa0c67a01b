import FlywheelEngine
import FlywheelRuntime
import Foundation

/// Appends lines to topic `events` at a steady rate on a thread of its own (`flywheel bench
/// latency`): every millisecond or so, the lines due by then, each with its `timestamp` field and
/// its log record's timestamp set to the wall clock. Batches go to the partitions in turn.
struct SteadyProducer: Sendable {
    let data: String
    let lines: [[UInt8]]
    let rate: Int
    let seconds: Double

    /// Returns the number of lines appended.
    func run() async throws -> Int {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
            let thread = Thread {
                do throws(LogError) {
                    continuation.resume(returning: try produce())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "flywheel-bench-producer"
            thread.start()
        }
    }

    private func produce() throws(LogError) -> Int {
        var access = PartitionLogOptions()
        access.fsync = .never
        let log = try EmbeddedLog(directory: data).open("events", access: access)
        defer { try? log.close() }
        let started = ContinuousClock.now
        var sent = 0
        var batches = 0
        var batch = LogBatch(capacity: 1 << 20)
        while sent < lines.count {
            let elapsed = (ContinuousClock.now - started).seconds
            if elapsed >= seconds { break }
            let due = Swift.min(lines.count, Int(Double(rate) * elapsed))
            if due > sent {
                let now = JobClock.wallMillis()
                let stamp = Self.rfc3339(millis: now)
                for index in sent..<due {
                    var line = lines[index]
                    Self.overwriteTimestamp(in: &line, with: stamp)
                    batch.append(key: nil, value: line, timestamp: now)
                }
                _ = try log.partitions[batches % log.partitions.count].append(&batch)
                batches += 1
                sent = due
            }
            usleep(1_000)
        }
        return sent
    }

    private static let timestampField = Array(#""timestamp":""#.utf8)

    /// Replaces the value of the first `"timestamp":"...Z"` in `line` (any of the generator's UTC
    /// spellings) with `stamp`; other values (offsets, deliberately malformed ones) are left alone.
    static func overwriteTimestamp(in line: inout [UInt8], with stamp: [UInt8]) {
        let field = timestampField
        guard line.count > field.count else { return }
        for start in 0...(line.count - field.count) where line[start] == field[0] {
            guard line[start..<(start + field.count)].elementsEqual(field) else { continue }
            let value = start + field.count
            guard let end = line[value..<Swift.min(line.count, value + 64)].firstIndex(of: 0x22), end > value,
                line[end - 1] == UInt8(ascii: "Z") || line[end - 1] == UInt8(ascii: "z")
            else { return }
            line.replaceSubrange(value..<end, with: stamp)
            return
        }
    }

    /// `millis` since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC), by the engine's formatter.
    static func rfc3339(millis: Int64) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        EventTime(millis: millis).appendRFC3339(to: &out)
        return out
    }
}
