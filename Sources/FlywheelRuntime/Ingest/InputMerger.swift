import FlywheelEngine
import FlywheelSignals

/// Interleaves several bounded partitions as replay must (CONTRACT section 2): the next line comes
/// from the partition whose next line has the smallest timestamp (a line without a valid timestamp
/// counts as earliest; ties go to the partition named first).
struct InputMerger {
    private let channels: [BoundedChannel<InboxItem>]
    private var batches: [[InputLine]]
    private var cursors: [Int]
    private var exhausted: [Bool]

    init(channels: [BoundedChannel<InboxItem>]) {
        self.channels = channels
        batches = Array(repeating: [], count: channels.count)
        cursors = Array(repeating: 0, count: channels.count)
        exhausted = Array(repeating: false, count: channels.count)
    }

    /// The next line and its partition, or nil when every partition is exhausted. `onFinished` is
    /// called once for each partition as soon as it is known to have no more lines.
    mutating func next(onFinished: (Int) -> Void) async throws -> (InputLine, Int)? {
        var best: Int?
        for index in channels.indices where try await ensureLine(index, onFinished: onFinished) {
            if let current = best {
                if batches[index][cursors[index]].decoded.mergeTime
                    < batches[current][cursors[current]].decoded.mergeTime
                {
                    best = index
                }
            } else {
                best = index
            }
        }
        guard let chosen = best else { return nil }
        var line = InputLine.moved
        swap(&line, &batches[chosen][cursors[chosen]])
        cursors[chosen] += 1
        return (line, chosen)
    }

    private mutating func ensureLine(_ index: Int, onFinished: (Int) -> Void) async throws -> Bool {
        while !exhausted[index] && cursors[index] >= batches[index].count {
            switch await channels[index].receive() {
            case .none, .ended:
                exhausted[index] = true
                batches[index] = []
                onFinished(index)
            case .failed(_, let error):
                throw error
            case .lines(_, let batch):
                batches[index] = batch
                cursors[index] = 0
            case .tick:
                continue
            }
        }
        return !exhausted[index]
    }
}
