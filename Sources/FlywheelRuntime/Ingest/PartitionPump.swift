import FlywheelEngine
import FlywheelSignals
import Foundation

/// What the ingest loop receives from the partition readers and the ticker.
enum InboxItem: Sendable {
    case lines(partition: Int, [InputLine])
    /// A bounded partition has no more lines.
    case ended(partition: Int)
    case failed(partition: Int, any Error)
    /// The ticker: time to look at idle partitions, the idle advance, linger and checkpoints.
    case tick
}

/// Reads one source partition on a thread of its own and sends its lines in batches.
struct PartitionPump: Sendable {
    let partition: Int
    let reader: any SourcePartition
    let batchLines: Int
    /// Set when the job stops reading (a stop request, or the job failed).
    let stopped: @Sendable () -> Bool

    /// Reads until the partition ends, fails or the job stops. A caught-up partition is polled again
    /// after a pause that grows from 1 ms to 20 ms while nothing comes.
    func run(into channel: BoundedChannel<InboxItem>) async {
        defer { reader.close() }
        var pause: UInt32 = 1_000
        do {
            while !stopped() && !Task.isCancelled {
                var batch: [InputLine] = []
                batch.reserveCapacity(batchLines)
                let status = try reader.read(maxLines: batchLines) { batch.append($0) }
                if !batch.isEmpty {
                    pause = 1_000
                    await channel.send(.lines(partition: partition, batch))
                }
                switch status {
                case .more: continue
                case .ended:
                    await channel.send(.ended(partition: partition))
                    return
                case .caughtUp:
                    if batch.isEmpty {
                        // On the pump's own thread: blocking it holds no other task back.
                        usleep(pause)
                        pause = Swift.min(pause * 2, 20_000)
                    }
                }
            }
        } catch {
            await channel.send(.failed(partition: partition, error))
        }
    }
}
