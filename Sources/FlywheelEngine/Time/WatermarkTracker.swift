/// Bounded-out-of-orderness watermarks for several source partitions, combined by minimum.
///
/// Per partition `W = max event time seen - maxOutOfOrderness - 1 ms` (Flink's
/// `BoundedOutOfOrdernessWatermarks`); a partition that has seen nothing holds the combined
/// watermark at minus infinity. Finished and idle partitions do not hold it back; when every
/// partition has finished it is plus infinity.
public struct WatermarkTracker: Sendable {
    struct Partition: Sendable {
        var maxTime = EventTime.min
        var finished = false
        var idle = false
    }

    public let maxOutOfOrdernessMs: Int64
    private var partitions: [Partition]
    // Invariant: current never regresses.
    public private(set) var current = EventTime.min

    public init(partitions: Int, maxOutOfOrdernessMs: Int64) {
        self.partitions = Array(repeating: Partition(), count: Swift.max(1, partitions))
        self.maxOutOfOrdernessMs = maxOutOfOrdernessMs
    }

    public var partitionCount: Int { partitions.count }

    /// Records an accepted event of `partition`; returns true when the combined watermark moved.
    public mutating func observe(_ t: EventTime, partition: Int) -> Bool {
        guard t > partitionMax(partition) else { return false }
        return update(partition) { $0.maxTime = t }
    }

    /// Marks a partition as finished (end of its input); returns true when the watermark moved.
    @discardableResult
    public mutating func finish(partition: Int) -> Bool { update(partition) { $0.finished = true } }

    /// Marks a partition idle or active again (wall-clock idle timeout, in live mode only).
    @discardableResult
    public mutating func setIdle(_ idle: Bool, partition: Int) -> Bool { update(partition) { $0.idle = idle } }

    /// Moves the combined watermark to `time` when that is ahead of it (the live idle advance, while
    /// every partition is idle); returns true when it moved. Partitions keep their own maxima.
    public mutating func advance(to time: EventTime) -> Bool {
        guard time > current else { return false }
        current = time
        return true
    }

    /// Rearranges the partitions after the source partitions changed between runs: partition `i` takes
    /// the state of the earlier partition `mapping[i]`, or starts fresh (no event yet) when nil; earlier
    /// partitions no index names are dropped. The combined watermark stays where it is (it never regresses).
    public mutating func remap(_ mapping: [Int?]) {
        let earlier = partitions
        partitions = mapping.map { $0.map { earlier[$0] } ?? Partition() }
        if partitions.isEmpty { partitions = [Partition()] }
    }

    /// Whether `partition` is idle.
    public func isIdle(_ partition: Int) -> Bool { partitions[partition].idle }

    /// Whether every partition that has not finished is idle (none is active).
    public var allIdle: Bool { partitions.allSatisfy { $0.idle || $0.finished } }

    /// The watermark of one partition alone.
    public func partitionWatermark(_ partition: Int) -> EventTime {
        let p = partitions[partition]
        if p.finished { return .max }
        if p.maxTime == .min { return .min }
        return p.maxTime.adding(-maxOutOfOrdernessMs - 1)
    }

    func partitionMax(_ partition: Int) -> EventTime { partitions[partition].maxTime }

    mutating func update(_ partition: Int, _ change: (inout Partition) -> Void) -> Bool {
        change(&partitions[partition])
        var combined = EventTime.max
        var anyActive = false
        for index in partitions.indices where !partitions[index].idle || partitions[index].finished {
            anyActive = true
            combined = Swift.min(combined, partitionWatermark(index))
        }
        guard anyActive, combined > current else { return false }
        current = combined
        return true
    }
}

extension WatermarkTracker: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(maxOutOfOrdernessMs)
        writer.write(current)
        writer.write(partitions) { writer, partition in
            writer.write(partition.maxTime)
            writer.write(partition.finished)
            writer.write(partition.idle)
        }
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        let ooo = try reader.readInt64()
        let current = try reader.readTime()
        let partitions = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            Partition(maxTime: try reader.readTime(), finished: try reader.readBool(), idle: try reader.readBool())
        }
        self.init(partitions: partitions.count, maxOutOfOrdernessMs: ooo)
        self.partitions = partitions
        self.current = current
    }
}
