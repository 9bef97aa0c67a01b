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

    /// `millis` since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
    static func rfc3339(millis: Int64) -> [UInt8] {
        let days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        let ofDay = millis - days * 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var text = Array(String(value).utf8)
            while text.count < count { text.insert(UInt8(ascii: "0"), at: 0) }
            out += text
        }
        digits(year, 4)
        out.append(UInt8(ascii: "-"))
        digits(month, 2)
        out.append(UInt8(ascii: "-"))
        digits(day, 2)
        out.append(UInt8(ascii: "T"))
        digits(ofDay / 3_600_000, 2)
        out.append(UInt8(ascii: ":"))
        digits(ofDay / 60_000 % 60, 2)
        out.append(UInt8(ascii: ":"))
        digits(ofDay / 1000 % 60, 2)
        out.append(UInt8(ascii: "."))
        digits(ofDay % 1000, 3)
        out.append(UInt8(ascii: "Z"))
        return out
    }
}
