import FlywheelTesting
import Foundation
import Testing

/// The binary runs and teaches: `--help` names every subcommand.
struct CLISmokeTests {
    @Test func helpListsTheSubcommands() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(["--help"])
        #expect(result.status == 0, "\(result)")
        for command in ["replay", "generate", "export", "inspect", "report", "topic", "checkpoint"] {
            #expect(result.stdout.contains(command), "\(command) missing from --help")
        }
    }
}
