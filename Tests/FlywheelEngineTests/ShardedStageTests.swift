import Testing

@testable import FlywheelEngine

/// Sums the records of its shard; emits the running total after every batch that has records,
/// and the final total (negated, to tell it apart) at the end of the input.
private struct SumShard: ShardOperator {
    var total = 0

    mutating func process(_ batch: inout ShardBatch<Int>, into output: inout [Int]) {
        total += batch.records.reduce(0, +)
        if !batch.records.isEmpty { output.append(total) }
        if batch.isFinal { output.append(-total) }
    }
}

private struct ProducerFailed: Error {}
private struct CollectorFailed: Error {}

/// Sends `values` in batches of `batchSize`, routing each value to shard `value % shards`, with a
/// side output before each batch; then a final batch.
private func produce(
    _ values: [Int], batchSize: Int, failAfterBatches: Int? = nil
) -> @Sendable (ShardDispatcher<Int, Int, String>) async throws -> Void {
    { dispatcher in
        let shards = dispatcher.shardCount
        var sequence: Int64 = 0
        var sentBatches = 0
        for start in stride(from: 0, to: values.count, by: batchSize) {
            if let failAfterBatches, sentBatches == failAfterBatches { throw ProducerFailed() }
            let chunk = values[start..<Swift.min(start + batchSize, values.count)]
            var perShard = Array(repeating: [Int](), count: shards)
            for value in chunk { perShard[value % shards].append(value) }
            sequence += Int64(chunk.count)
            var trail = WatermarkTrail()
            trail.append(sequence: sequence, watermark: at(sequence))
            await dispatcher.emit("before \(sequence)")
            try await dispatcher.send(
                perShard.map {
                    ShardBatch(
                        records: $0, watermark: at(sequence), lastSequence: sequence, trail: trail, isFinal: false)
                })
            sentBatches += 1
        }
        if let failAfterBatches, sentBatches == failAfterBatches { throw ProducerFailed() }
        let final = ShardBatch<Int>(
            records: [], watermark: .max, lastSequence: sequence, trail: WatermarkTrail(), isFinal: true)
        try await dispatcher.send(Array(repeating: final, count: shards))
    }
}

private struct Collected {
    var finalTotals: [Int: Int] = [:]
    var sides: [String] = []
    var events: [CollectorEvent<Int, String>] = []

    mutating func collect(_ event: CollectorEvent<Int, String>) {
        events.append(event)
        switch event {
        case .shardOutput(let shard, let records, _, _):
            for record in records where record < 0 { finalTotals[shard, default: 0] -= record }
        case .side(let side):
            sides.append(side)
        case .closed, .snapshot:
            break
        }
    }
}

@Suite(.timeLimit(.minutes(5)))
struct ShardedStageTests {
    @Test(arguments: [(1, 4, 1), (3, 1, 7), (4, 2, 50), (2, 4, 1000)])
    func everyShardOutputReachesTheCollector(shards: Int, queueDepth: Int, batchSize: Int) async throws {
        let values = Array(1...500)
        var collected = Collected()
        try await ShardedStage.run(
            operators: Array(repeating: SumShard(), count: shards), queueDepth: queueDepth,
            produce: produce(values, batchSize: batchSize)
        ) { collected.collect($0) }
        let expected = Dictionary(grouping: values) { $0 % shards }.mapValues { $0.reduce(0, +) }
        #expect(collected.finalTotals == expected)
        let batches = (values.count + batchSize - 1) / batchSize
        #expect(collected.sides.count == batches)
        #expect(collected.events.count == batches + shards * (batches + 1))
    }

    @Test func eachShardReportsProgressInOrder() async throws {
        var progress: [Int: [Int64]] = [:]
        var watermarks: [Int: [EventTime]] = [:]
        try await ShardedStage.run(
            operators: Array(repeating: SumShard(), count: 3), queueDepth: 2,
            produce: produce(Array(1...100), batchSize: 10)
        ) { event in
            if case .shardOutput(let shard, _, let watermark, let lastSequence) = event {
                progress[shard, default: []].append(lastSequence)
                watermarks[shard, default: []].append(watermark)
            }
        }
        for shard in 0..<3 {
            #expect(progress[shard] == Array(stride(from: 10, through: 100, by: 10)) + [100])
            #expect(watermarks[shard]?.last == .max)
        }
    }

    @Test func sideOutputArrivesBeforeShardOutputsOfTheBatchItPrecedes() async throws {
        var collected = Collected()
        try await ShardedStage.run(
            operators: Array(repeating: SumShard(), count: 2), queueDepth: 1,
            produce: produce(Array(1...60), batchSize: 6)
        ) { collected.collect($0) }
        var announced: Int64 = 0
        for event in collected.events {
            switch event {
            case .side(let side):
                announced = Int64(side.dropFirst("before ".count))!
            case .shardOutput(_, _, _, let lastSequence):
                #expect(lastSequence <= announced)
            case .closed:
                Issue.record("closed events are not handed to the collector")
            case .snapshot:
                Issue.record("no barrier was sent, so no snapshot may arrive")
            }
        }
        #expect(announced == 60)
    }

    @Test(arguments: [0, 1, 30])
    func producerErrorIsRethrown(failAfterBatches: Int) async {
        var collected = Collected()
        await #expect(throws: ProducerFailed.self) {
            try await ShardedStage.run(
                operators: Array(repeating: SumShard(), count: 3), queueDepth: 1,
                produce: produce(Array(1...100), batchSize: 1, failAfterBatches: failAfterBatches)
            ) { collected.collect($0) }
        }
        #expect(collected.finalTotals.isEmpty)
        #expect(collected.sides.count == failAfterBatches)
    }

    @Test func collectorErrorEndsTheRunEvenWithAnEndlessProducer() async {
        var events = 0
        await #expect(throws: CollectorFailed.self) {
            try await ShardedStage.run(
                operators: Array(repeating: SumShard(), count: 2), queueDepth: 1, sideType: String.self,
                produce: { dispatcher in
                    var sequence: Int64 = 0
                    while true {
                        sequence += 1
                        let batch = ShardBatch(
                            records: [1], watermark: at(sequence), lastSequence: sequence, trail: WatermarkTrail(),
                            isFinal: false)
                        try await dispatcher.send([batch, batch])
                    }
                }
            ) { _ in
                events += 1
                if events == 5 { throw CollectorFailed() }
            }
        }
        #expect(events == 5)
    }
}
