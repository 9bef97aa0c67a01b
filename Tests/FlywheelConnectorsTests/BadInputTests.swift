import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// Bad input never crashes a replay and never loses good data.
struct BadInputTests {
    static let good = """
        {"event_id": "g1", "type": "prompt", "timestamp": "2026-11-26T10:00:00.000Z", "conversation_id": "c", \
        "message_id": "m", "text": "fine"}
        """

    func replay(_ folder: TemporaryFolder, _ inputs: [String]) async throws -> ReplayResult {
        try await ReplayJob.run(ReplayOptions(inputs: inputs, outputPath: folder.file("out"), force: true))
    }

    @Test func invalidUTF8IsMalformedJSONAndReplayGoesOn() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var bytes = Data(#"{"event_id": "bad"#.utf8)
        bytes.append(contentsOf: [0xFF])
        bytes.append(Data("\"}\n".utf8))
        bytes.append(Data((Self.good + "\n").utf8))
        let input = folder.file("in.jsonl")
        try bytes.write(to: URL(fileURLWithPath: input))
        let result = try await replay(folder, [input])
        #expect(result.counters.invalidEvents == 1)
        #expect(result.counters.eventsAccepted == 1)
        let letters = try GoldenComparison.records(at: folder.file("out/dead_letter.jsonl"))
        #expect(letters.count == 1)
        #expect(letters.first?["reason"] as? String == "malformed_json")
        #expect(letters.first?["position"] as? Int == 1)
        #expect((letters.first?["raw"] as? String)?.contains("\u{FFFD}") == true)
    }

    @Test func twoMebibyteLineIsTooLargeWithRawCutAt1KiB() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let big = "{\"event_id\": \"big\", \"text\": \"" + String(repeating: "é", count: 1 << 20) + "\"}"
        let input = try folder.write("in.jsonl", big + "\n" + Self.good + "\n")
        let result = try await replay(folder, [input])
        #expect(result.counters.invalidEvents == 1)
        #expect(result.counters.eventsAccepted == 1)
        let letters = try GoldenComparison.records(at: folder.file("out/dead_letter.jsonl"))
        #expect(letters.first?["reason"] as? String == "too_large")
        // Cut at 1 KiB of UTF-8 without splitting a two-byte "é": 29 ASCII bytes, then 497 whole "é".
        let raw = try #require(letters.first?["raw"] as? String)
        #expect(raw.utf8.count == 1023)
        #expect(raw.hasSuffix("é"))
        #expect(letters.first?["position"] as? Int == 1)
    }

    @Test func emptyFileGivesEmptyFilesAndZeroCounters() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = try folder.write("in.jsonl", "")
        let result = try await replay(folder, [input])
        #expect(result.counters == SignalCounters())
        for kind in RecordKind.allCases {
            let size =
                try FileManager.default.attributesOfItem(atPath: folder.file("out/\(kind.fileName)"))[.size] as? Int
            #expect(size == 0)
        }
        #expect(FileManager.default.fileExists(atPath: folder.file("out/summary.json")))
    }

    @Test func lastLineWithoutNewlineAndCRLFAreRead() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let second = Self.good.replacingOccurrences(of: "g1", with: "g2")
        let input = try folder.write("in.jsonl", Self.good + "\r\n  \t\r\n" + second)
        let result = try await replay(folder, [input])
        #expect(result.counters.eventsIn == 2)
        #expect(result.counters.eventsAccepted == 2)
    }

    @Test func missingFileIsAPreciseError() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let error = await #expect(throws: ConnectorError.self) { try await replay(folder, [folder.file("nope.jsonl")]) }
        #expect(error?.code == .inputNotFound)
        #expect(error?.message.contains("nope.jsonl") == true)
    }

    @Test func directoryAsInputIsAPreciseError() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let error = await #expect(throws: ConnectorError.self) { try await replay(folder, [folder.path]) }
        #expect(error?.code == .inputIsDirectory)
    }

    @Test func nonEmptyOutputFolderIsRefusedWithoutForce() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = try folder.write("in.jsonl", Self.good + "\n")
        let options = ReplayOptions(inputs: [input], outputPath: folder.path)
        let error = await #expect(throws: ConnectorError.self) { try await ReplayJob.run(options) }
        #expect(error?.code == .outputNotEmpty)
        #expect(error?.message.contains("--force") == true)
    }
}
