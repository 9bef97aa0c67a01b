import FlywheelTesting
import Foundation
import Testing

extension ReplayCLITests {
    /// `flywheel bench state` reports the heap per open conversation for each conversation operator and for
    /// both, with every generated conversation still open; a count too small to measure is refused by name.
    @Test func benchStateReportsTheHeapPerOpenConversation() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let measured = try await Self.run(["bench", "state", "--conversations", "300"])
        #expect(measured.status == 0, "\(measured)")
        let lines = measured.stdout.split(separator: "\n").filter { $0.contains("B/conversation") }
        #expect(lines.count == 3, "\(measured)")
        for line in lines {
            #expect(line.contains("(300 conversations kept)"), "\(line)")
            let heap = line.split(separator: "heap").last?.split(separator: " ").first.flatMap { Double($0) }
            #expect((heap ?? 0) > 0, "\(line)")
        }
        #expect(measured.stdout.contains("B of UTF-8 per conversation"), "\(measured)")
        let refused = try await Self.run(["bench", "state", "--conversations", "5"])
        #expect(refused.status != 0 && refused.stderr.contains("--conversations must be at least 100"), "\(refused)")
    }
}
