import ArgumentParser
import FlywheelConnectors

/// The `--parallelism` and `--batch-size` of the commands that run a job (`replay`, `run`).
struct ShardOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Number of shards (operator tasks). Output is identical for every value; a resumed job may change it.",
            discussion:
                "Default: one less than the number of cores (at least 1), so that the reader, decoder and ingest have a core to themselves. More shards help pipelines whose operators outweigh the decoding."
        ))
    var parallelism: Int = ReplayOptions.defaultParallelism()

    @Option(help: "Input lines per batch handed between tasks.")
    var batchSize: Int = ReplayOptions.defaultBatchLines

    func validate() throws {
        guard parallelism >= 1 && parallelism <= 256 else {
            throw ValidationError("--parallelism must be between 1 and 256, got \(parallelism)")
        }
        guard batchSize >= 1 && batchSize <= 1_000_000 else {
            throw ValidationError("--batch-size must be between 1 and 1000000, got \(batchSize)")
        }
    }
}
