import ArgumentParser
import FlywheelConnectors
import Foundation

struct TopicRepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Cut a partition at the damaged record in its newest segment, so that producers can append again.",
        discussion: """
            A producer refuses a partition whose newest segment holds a damaged record (a flipped byte, not a torn \
            write), since its next records would take offsets that acknowledged records hold. This command removes \
            the damaged record and every later one in that segment; the next records appended take their offsets. \
            Copy what can still be read first (topic consume prints every record before the damage). A torn tail \
            left by a crash needs no repair: the next producer cuts it.

            Example:
              flywheel topic repair events --partition 2 --data data/
            """)

    @Argument(help: "Topic name.")
    var name: String

    @Option(parsing: .unconditional, help: "The damaged partition (0 to P-1), as the error message names it.")
    var partition: Int

    @OptionGroup var data: DataFolderOption

    func run() async throws {
        let report = try await TopicErrors.run(data: data.path) { () throws(LogError) in
            try EmbeddedLog(directory: data.path).repairPartition(name, partition: partition)
        }
        if let report {
            print("topic '\(name)' partition \(partition): \(report.reason); cut \(report.truncatedBytes) bytes")
        } else {
            print("topic '\(name)' partition \(partition): the newest segment is whole; nothing to repair")
        }
    }
}
