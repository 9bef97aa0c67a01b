import FlywheelTesting
import Foundation
import Testing

/// The examples of every `topic` subcommand's `--help` are whole commands that run when pasted.
extension TopicCLITests {
    /// The commands of the "Example:" / "Examples:" blocks of `help`, continuation lines (ending in `\`) joined.
    static func examples(in help: String) -> (commands: [String], unindented: [String]) {
        var commands: [String] = []
        var unindented: [String] = []
        var inBlock = false
        var current = ""
        for line in help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("Example") {
                inBlock = true
                continue
            }
            guard inBlock else { continue }
            if line.isEmpty {
                inBlock = false
                continue
            }
            if !line.hasPrefix("  ") { unindented.append(line) }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("\\") {
                current += text.dropLast() + " "
            } else {
                commands.append(current + text)
                current = ""
            }
        }
        return (commands, unindented)
    }

    /// Runs `command` with /bin/sh in `folder`, with the built `flywheel` first on the PATH.
    static func shell(_ command: String, in folder: TemporaryFolder) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " > /dev/null"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        var environment = ProcessInfo.processInfo.environment
        let binaries = (FlywheelCLI.binary as NSString).deletingLastPathComponent
        environment["PATH"] = binaries + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(arguments: ["", "create", "list", "describe", "produce", "consume", "repair", "delete", "bench"])
    func helpExamplesAreWholeCommandsThatRun(subcommand: String) throws {
        let folder = try TemporaryFolder("topic-cli-help")
        defer { folder.remove() }
        let help = try Self.flywheel(["topic"] + (subcommand.isEmpty ? [] : [subcommand]) + ["--help"], in: folder)
        let (commands, unindented) = Self.examples(in: help.stdout)
        #expect(!commands.isEmpty, "no example in topic \(subcommand) --help")
        #expect(unindented.isEmpty, "example lines broken mid-command: \(unindented)")
        if !["", "create"].contains(subcommand) {
            _ = try Self.flywheel(["topic", "create", "events", "--partitions", "4", "--data", "data/"], in: folder)
            _ = try Self.flywheel(["generate", "--conversations", "20", "--out", "events.jsonl"], in: folder)
        }
        for command in commands {
            #expect(command.hasPrefix("flywheel ") || command.hasPrefix("swift run "), "\(command)")
            guard command.hasPrefix("flywheel "), !command.contains("--follow") else { continue }
            #expect(try Self.shell(command, in: folder) == 0, "\(command)")
        }
    }
}
