import FlywheelSignals
import Testing

@testable import FlywheelRuntime

/// How many batches may wait for a shard in a replay: about 4,096 lines whatever the batch size, so that large
/// batches do not keep tens of thousands of decoded events (and their storages) in memory, and at least two
/// batches, so that the ingest can fill one while the shard works through another. A live job keeps 16.
struct JobOptionsTests {
    private static func depth(batchLines: Int, mode: IngestMode = .replay) -> Int {
        JobOptions(config: PipelineConfig(), mode: mode, parallelism: 1, batchLines: batchLines).shardQueueDepth
    }

    @Test func aShardQueueHoldsAboutFourThousandLines() {
        #expect(Self.depth(batchLines: 256) == 16)  // as measured when 256 was the default
        #expect(Self.depth(batchLines: 1024) == 4)  // the default now
        #expect(Self.depth(batchLines: 1000) == 4)
        #expect(Self.depth(batchLines: 1) == 4096)
    }

    @Test func aShardQueueHoldsAtLeastTwoBatches() {
        #expect(Self.depth(batchLines: 2048) == 2)
        #expect(Self.depth(batchLines: 3000) == 2)
        #expect(Self.depth(batchLines: 100_000) == 2)
    }

    @Test func aLiveJobKeepsSixteenBatches() {
        #expect(Self.depth(batchLines: 256, mode: .live) == 16)
        #expect(Self.depth(batchLines: 1024, mode: .live) == 16)
    }
}
