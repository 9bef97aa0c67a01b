import ArgumentParser
import FlywheelConnectors
import FlywheelSignals
import Foundation

struct TopicBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure append and read throughput of the embedded log.",
        discussion: """
            Appends N records (16-byte key, SIZE-byte value) to one partition in a temporary folder, in batches of \
            about 1 MiB with an fsync per batch, then reads them all back twice: without copying, and as record \
            values. Reports records/s and MB/s (of frames on disk) for each. The reads come from the page cache. \
            With --dir it runs in that folder, which must be empty or new, and removes only what it wrote. Build \
            in release mode for meaningful figures.

            Example:
              swift run -c release flywheel topic bench --records 2000000 \\
                --size 500
            """)

    // Numbers are parsed unconditionally, so that "--records -5" is a bad value instead of a missing one.
    @Option(parsing: .unconditional, help: "Number of records.")
    var records: Int = 1_000_000

    @Option(parsing: .unconditional, help: "Value bytes per record.")
    var size: Int = 500

    @Option(parsing: .unconditional, help: ArgumentHelp("Batch size of the appends.", valueName: "size"))
    var batchBytes: String = "1MiB"

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("every-batch, a duration such as 1s, or never.", valueName: "policy"))
    var fsync: String = "every-batch"

    @Option(
        help: ArgumentHelp(
            "Run in this folder instead of a temporary one, e.g. on another disk; it must be empty or new, and "
                + "only what the bench wrote is removed afterwards.", valueName: "dir"))
    var dir: String?

    func validate() throws {
        guard records >= 1 else { throw ValidationError("--records must be at least 1") }
        guard size >= 1 && size <= 1 << 24 else { throw ValidationError("--size must be between 1 and 16777216") }
    }

    func run() async throws {
        guard let batch = parseSize(batchBytes), batch >= 1 else {
            throw ValidationError("--batch-bytes: bad size '\(batchBytes)': use e.g. 256KiB, 1MiB")
        }
        let policy = try FsyncArgument.parse(fsync)
        let result = try await TopicErrors.run(data: dir ?? "-") { () throws(LogError) in
            try TopicBenchJob.run(records: records, size: size, batchBytes: batch, fsync: policy, directory: dir)
        }
        print(result.text)
    }
}
