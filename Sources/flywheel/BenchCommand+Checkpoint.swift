import ArgumentParser
import FlywheelConnectors
import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// `flywheel bench checkpoint`: how fast the operators' state encodes for a checkpoint, on a real checkpoint.
struct BenchCheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Measure how fast the operators' state encodes, on the newest checkpoint of a folder.",
        discussion: """
            Restores every key group of the newest checkpoint in FOLDER (a service's DATA/checkpoints, or a \
            replay's --checkpoint-dir) into one shard's operators, then encodes that state as a checkpoint \
            does, --rounds times, and reports the fastest round: bytes, seconds and MB/s. Each key group must \
            encode to as many bytes as the checkpoint holds for it (the same entries; their order follows the \
            hash table's slots, which differ with the shard count), or the command fails. A live \
            service encodes its whole state at every checkpoint, off the data path but on the same cores:
              Tests/Baselines/serve-bench.sh ... (keep its folder), then
              swift run -c release flywheel bench checkpoint /tmp/serve-bench-LABEL.XXXX/data/checkpoints
            """)

    @Argument(help: "A checkpoint folder.")
    var folder: String

    @Option(parsing: .unconditional, help: "Timed rounds; the fastest is reported.")
    var rounds: Int = 3

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
    }

    func run() throws {
        let store = try CheckpointStore(path: folder)
        let (found, warnings) = store.latest()
        for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        guard let data = found else {
            throw ValidationError("no readable checkpoint in \(folder): give the folder holding checkpoint-N.bin")
        }
        var shard = SignalShardOperator(config: PipelineConfig(), catalog: nil, sourceNames: ["bench"])
        try shard.restore(data.operators, owned: Array(0..<KeyGroups.count), watermark: data.watermark)
        print("checkpoint \(data.id) of \(folder): \(data.operators.count) operators restored into one shard")
        var timings: [Duration] = []
        var encoded: [OperatorID: [Int: [UInt8]]] = [:]
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            encoded = shard.encodedState()
            timings.append(start.duration(to: .now))
        }
        var total = 0
        for state in data.operators {
            let groups = encoded[state.id] ?? [:]
            for group in state.groups.indices where (groups[group]?.count ?? 0) != state.groups[group].count {
                throw ValidationError(
                    "\(state.id.raw): key group \(group) encodes to \(groups[group]?.count ?? 0) bytes, the checkpoint "
                        + "holds \(state.groups[group].count)")
            }
            let bytes = state.groups.reduce(0) { $0 + $1.count }
            total += bytes
            print("  \(state.id.raw.padding(toLength: 18, withPad: " ", startingAt: 0)) \(bytes) bytes")
        }
        guard total > 0 else {
            print("the checkpoint holds no operator state (a finished replay closes every window): nothing to time")
            return
        }
        let seconds = timings.min().map(\.seconds) ?? 0  // --rounds is at least 1
        print(
            String(
                format: "encoded %d bytes in %.3f s (fastest of %d): %.0f MB/s",
                total, seconds, rounds, Double(total) / seconds / 1e6))
    }
}
