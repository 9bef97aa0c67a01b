import ArgumentParser
import FlywheelConnectors
import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
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
                        "\(id)  \(CheckpointText.when(data))  element \(data.ingest.sequence)  watermark \(CheckpointText.watermark(data))"
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
        data.watermark == .min ? "-inf" : data.watermark == .max ? "+inf" : data.watermark.rfc3339
    }

    static func describe(_ data: CheckpointData) -> String {
        let pending = data.pending.reduce(0) { $0 + $1.line.count }
        var lines = [
            "checkpoint \(data.id), taken \(when(data)) at parallelism \(data.parallelism)",
            "  input elements         \(data.ingest.sequence)",
            "  watermark              \(watermark(data))",
        ]
        for (index, position) in data.ingest.positions.enumerated() {
            lines.append("  partition \(index) position line \(position.line), byte \(position.offset)")
        }
        lines.append("  ingest state           \(data.ingest.state.count) bytes (counters, watermarks, de-dup)")
        var reader = StateReader(data.ingest.state)
        if let ingest = try? IngestState(from: &reader) {
            lines.append(
                "  de-dup                 \(ingest.rememberedIDs) event ids remembered, as 128-bit fingerprints")
        }
        for state in data.operators {
            let bytes = state.groups.reduce(0) { $0 + $1.count }
            let groups = state.groups.filter { !$0.isEmpty }.count
            lines.append("  operator \(state.id.raw): \(bytes) bytes in \(groups) key groups")
        }
        lines.append("  records waiting        \(data.pending.count) (\(pending) bytes)")
        for section in data.sources { lines.append("  source \(section.id): \(section.bytes.count) bytes of state") }
        for section in data.sinks { lines.append("  sink \(section.id): \(section.bytes.count) bytes of state") }
        return lines.joined(separator: "\n")
    }
}
