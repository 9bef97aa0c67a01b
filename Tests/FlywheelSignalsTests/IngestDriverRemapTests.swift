import FlywheelEngine
import FlywheelRuntime
import Testing

@testable import FlywheelSignals

/// A checkpoint taken over partitions `kafka:a/t/0`, `kafka:a/t/1` resumed over `kafka:b/t/0`, `kafka:a/t/1`
/// (cluster b added, a's partition 0 gone): the kept partition keeps its position and watermark by name.
struct IngestDriverRemapTests {
    @Test func aResumeOverChangedPartitionsCarriesStateOverByName() throws {
        let earlier = ["kafka:a/t/0", "kafka:a/t/1"]
        var driver = try IngestDriver(time: PipelineConfig.default.time, sourceNames: earlier, shards: 1)
        let events = [
            SignalsEvent.prompt("e1", at: 10_000, message: "m1", text: "hi"),
            SignalsEvent.prompt("e2", at: 90_000, conv: "c2", message: "m2", text: "hi"),
        ]
        for (index, event) in events.enumerated() {
            let position = Int64(7 + index)
            driver.ingest(
                InputLine(position: position, endOffset: position + 1, decoded: .event(event)), partition: index)
        }
        let snapshot = driver.snapshot()

        let now = ["kafka:b/t/0", "kafka:a/t/1"]
        let resumed = try IngestDriver(
            time: PipelineConfig.default.time, sourceNames: now, shards: 1, resume: snapshot, restoredNames: earlier)
        #expect(resumed.positions[1] == snapshot.positions[1])
        #expect(resumed.positions[0] == InputPosition())
        #expect(resumed.state.watermarks.partitionWatermark(1) == driver.state.watermarks.partitionWatermark(1))
        #expect(resumed.state.watermarks.partitionWatermark(0) == .min)
        #expect(resumed.watermark == driver.watermark)
        #expect(resumed.state.counters == driver.state.counters)

        // Without the earlier names, a different partition count is refused, as before.
        #expect(throws: CheckpointError.self) {
            try IngestDriver(time: PipelineConfig.default.time, sourceNames: ["x"], shards: 1, resume: snapshot)
        }
    }
}
