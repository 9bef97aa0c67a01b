import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Synchronization

/// A source whose partitions are lines in memory that a test appends to while the job runs.
/// Unbounded unless `bounded`: then each partition ends with the lines it has when read to its end.
/// Its checkpoint state is how many lines of each partition were taken.
public final class MemorySource: Source, Sendable {
    private let lines: Mutex<[[String]]>
    public let partitionCount: Int
    public let isBounded: Bool

    public init(partitions: Int, bounded: Bool = false) {
        lines = Mutex(Array(repeating: [], count: partitions))
        partitionCount = partitions
        isBounded = bounded
    }

    /// Appends JSON lines to `partition`.
    public func append(_ new: [String], partition: Int = 0) { lines.withLock { $0[partition] += new } }

    public func name(ofPartition partition: Int) -> String { "memory/\(partition)" }

    public func open(restoring state: [UInt8]?, decoding: DecodeOptions) throws -> [any SourcePartition] {
        var taken = Array(repeating: 0, count: partitionCount)
        if let state {
            var reader = StateReader(state)
            taken = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in try reader.readInt() }
        }
        return (0..<partitionCount).map { partition in
            Partition(source: self, partition: partition, next: taken[partition], decoding: decoding)
        }
    }

    private let completed = Mutex<[[Int]]>([])
    private let reopen = Mutex<String?>(nil)

    /// Makes `reopenRequest` answer `reason` (nil: no request), as a kafka source whose topic grew does.
    public func requestReopen(_ reason: String?) { reopen.withLock { $0 = reason } }

    public func reopenRequest() -> String? { reopen.withLock { $0 } }

    /// Per completed (durable) checkpoint, in order, the lines taken from each partition.
    public var completedCheckpoints: [[Int]] { completed.withLock { $0 } }

    public func checkpointCompleted(state: [UInt8]) {
        var reader = StateReader(state)
        let taken = try? reader.readArray { (reader: inout StateReader) throws(CheckpointError) in try reader.readInt()
        }
        completed.withLock { $0.append(taken ?? []) }
    }

    public func state(at positions: [InputPosition]) -> [UInt8] {
        var writer = StateWriter()
        writer.write(positions) { $0.write(Int($1.offset)) }
        return writer.bytes
    }

    fileprivate func lines(of partition: Int, from next: Int, max: Int) -> [String] {
        lines.withLock { Array($0[partition].dropFirst(next).prefix(max)) }
    }

    // @unchecked Sendable: one pump reads it at a time.
    final class Partition: SourcePartition, @unchecked Sendable {
        let source: MemorySource
        var next: Int
        var decoder: LineDecoder

        init(source: MemorySource, partition: Int, next: Int, decoding: DecodeOptions) {
            self.source = source
            self.next = next
            decoder = LineDecoder(partition: partition, decoding: decoding)
        }

        func read(maxLines: Int, _ body: (consuming InputLine) -> Void) throws -> ReadStatus {
            let batch = source.lines(of: decoder.partition, from: next, max: maxLines)
            for line in batch {
                next += 1
                var bytes = Array(line.utf8)
                let decoded = bytes.withUnsafeMutableBytes {
                    decoder.decode(UnsafeRawBufferPointer($0), position: Int64(next), endOffset: Int64(next))
                }
                body(decoded)
            }
            if !batch.isEmpty { return .more }
            return source.isBounded ? .ended : .caughtUp
        }

        func close() {}
    }
}
