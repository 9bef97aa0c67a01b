import FlywheelConnectors
import FlywheelInspect
import FlywheelSignals

/// Records of one kind read from its partition up to the committed end, selected by a `SignalFilter`.
struct SignalPage {
    /// The selected record values (without a line end), oldest first.
    var values: [[UInt8]] = []
    /// The position (offset) of each value.
    var positions: [Int64] = []
    /// Whether records before the first one may also be selected (the page was cut at `limit`).
    var more = false

    /// The last `limit` selected records before `before` (the committed end when nil or beyond it). Reads
    /// backwards in steps of offsets that double from `limit` on (each step read forwards through the log's
    /// index), so the newest records cost a read of about `limit` records, not of the topic.
    static func last(
        _ limit: Int, of committed: SignalLog.Committed, before: Int64?, matcher: inout SignalFilter.Matcher
    ) throws(LogError) -> SignalPage {
        let start = committed.partition.logStartOffset
        var upper = min(before ?? committed.end, committed.end)
        var step = Int64(max(limit, 64))
        var chunks: [SignalPage] = []
        var found = 0
        while found < limit && upper > start {
            let lower = max(start, upper - step)
            var chunk = SignalPage()
            try forEach(in: committed, from: lower, to: upper, matcher: &matcher) { offset, value in
                chunk.values.append(Array(value))
                chunk.positions.append(offset)
            }
            found += chunk.values.count
            chunks.append(chunk)
            upper = lower
            step = min(step * 2, 1 << 22)
        }
        var page = SignalPage()
        for chunk in chunks.reversed() {
            page.values += chunk.values
            page.positions += chunk.positions
        }
        if page.values.count > limit {
            page.values.removeFirst(page.values.count - limit)
            page.positions.removeFirst(page.positions.count - limit)
            page.more = true
        } else {
            page.more = page.values.count == limit && upper > start
        }
        return page
    }

    /// Calls `body` with the position and value of each selected record from `from` to `to` (exclusive), in
    /// offset order, reading about 1 MiB at a time.
    static func forEach(
        in committed: SignalLog.Committed, from: Int64, to: Int64, matcher: inout SignalFilter.Matcher,
        _ body: (Int64, UnsafeRawBufferPointer) -> Void
    ) throws(LogError) {
        var next = max(from, committed.partition.logStartOffset)
        let key = committed.key
        while next < to {
            let reached = try committed.partition.forEachRecord(from: next, maxRecords: Int(to - next)) { record in
                if let key, !(record.key.map { $0.elementsEqual(key) } ?? false) { return }
                if matcher.matches(record.value) { body(record.offset, record.value) }
            }
            guard reached > next else { break }
            next = reached
        }
    }
}
