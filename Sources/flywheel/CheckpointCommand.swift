import ArgumentParser
import FlywheelConnectors
import FlywheelEngine
import Foundation

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Look into a replay's checkpoint folder.",
        discussion: """
            A checkpoint folder is the --checkpoint-dir of a replay. These commands only read it.

            Examples:
              flywheel checkpoint list ck/
              flywheel checkpoint show ck/ --id 3
            """,
        subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the checkpoints of a folder, oldest first.",
            discussion: """
                One line per checkpoint: its id, when it was taken, the input lines consumed and the watermark.

                Example:
                  flywheel checkpoint list ck/
                """)

        @Argument(help: "The checkpoint folder (--checkpoint-dir of a replay).")
        var folder: String

        func run() throws {
            let store = try CLIErrors.connector { () throws(ConnectorError) in try CheckpointStore.existing(folder) }
            let job = try CLIErrors.connector { () throws(ConnectorError) in try store.readJob() }
            if let job { print("job: \(job.inputs.joined(separator: " ")) -> \(job.output)") }
            if store.finishedSummary() != nil { print("finished") }
            for id in store.ids() {
                do throws(ConnectorError) {
                    let data = try store.read(id)
                    print(
                        "\(id)  \(CheckpointText.when(data))  line \(data.sequence)  watermark \(CheckpointText.watermark(data))"
                    )
                } catch {
                    print("\(id)  unusable: \(error.message)")
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what one checkpoint holds (the latest by default).",
            discussion: """
                The input positions, the watermark, and the size of the ingest state, of the operator state by key \
                group, of the records waiting for their turn, and of the committed output.

                Example:
                  flywheel checkpoint show ck/ --id 3
                """)

        @Argument(help: "The checkpoint folder.")
        var folder: String

        // Parsed unconditionally, so that "--id -1" reaches validation instead of reading as a flag.
        @Option(parsing: .unconditional, help: "Checkpoint id (see `checkpoint list`).")
        var id: Int64?

        func validate() throws {
            if let id, id < 1 { throw ValidationError("--id must be a checkpoint id (1 or more), got \(id)") }
        }

        func run() throws {
            let data = try CLIErrors.connector { () throws(ConnectorError) in
                let store = try CheckpointStore.existing(folder)
                guard let id = id ?? store.ids().last else {
                    throw ConnectorError(
                        .inputNotFound,
                        "\(folder) has no checkpoint yet (the replay stopped before its first one, or it finished "
                            + "and they were removed): nothing to show")
                }
                return try store.read(id)
            }
            print(CheckpointText.describe(data))
        }
    }
}

enum CheckpointText {
    static func when(_ data: CheckpointData) -> String {
        Date(timeIntervalSince1970: Double(data.createdMillis) / 1000).description
    }

    static func watermark(_ data: CheckpointData) -> String {
        data.watermark == .min ? "-inf" : data.watermark.rfc3339
    }

    static func describe(_ data: CheckpointData) -> String {
        let keyed = data.groups.reduce(0) { $0 + $1.count }
        let pending = data.pending.reduce(0) { $0 + $1.line.count }
        var lines = [
            "checkpoint \(data.id), taken \(when(data)) at parallelism \(data.parallelism)",
            "  input lines consumed   \(data.sequence)",
            "  watermark              \(watermark(data))",
        ]
        for (index, position) in data.positions.enumerated() {
            lines.append("  input \(index) position   line \(position.line), byte \(position.offset)")
        }
        lines += [
            "  ingest state           \(data.ingest.count) bytes (counters, watermarks, de-dup ids)",
            "  operator state         \(keyed) bytes in \(data.groups.filter { !$0.isEmpty }.count) key groups",
            "  records waiting        \(data.pending.count) (\(pending) bytes)",
            "  committed output       \(data.fileLengths.reduce(0, +)) bytes",
        ]
        return lines.joined(separator: "\n")
    }
}
