import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// Training files leak no e-mail address or phone number unless `--keep-pii` asks for the texts as they are;
/// a `--model` that no pair names is refused, listing the models present.
struct ExportPIITests {
    static let prompt = "mail me at ana.b@example.com or call +1 555-123-4567"
    static let chosen = "Sure, I wrote to ana.b@example.com."
    static let rejected = "Call (555) 987-6543 instead."

    /// A folder whose pairs and SFT examples hold raw PII (an SFT record is redacted by the replay, but an export
    /// may read any signal file).
    static func folder(_ folder: TemporaryFolder) throws -> String {
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        let pairs = [
            ExportTests.pair("c1", prompt: prompt, chosen: chosen, rejected: rejected),
            ExportTests.pair("c2", models: ("m2", "m3")),
        ]
        _ = try folder.write("out/preference_pair.jsonl", pairs.joined(separator: "\n") + "\n")
        _ = try folder.write("out/sft_example.jsonl", ExportTests.sft("c1", [prompt, chosen]) + "\n")
        return folder.file("out")
    }

    @Test(arguments: TrainingFormat.allCases)
    func everyFormatRedactsEveryTextByDefault(format: TrainingFormat) throws {
        let folder = try TemporaryFolder("export-pii")
        defer { folder.remove() }
        let options = ExportOptions(
            format: format, sourcePath: try Self.folder(folder), outputPath: folder.file("t.jsonl"))
        let summary = try ExportJob.run(options)
        let text = try ExportTests.text(folder.file("t.jsonl"))
        for raw in ["ana.b@example.com", "555-123-4567", "987-6543"] { #expect(!text.contains(raw), "\(raw) leaked") }
        #expect(text.contains("[EMAIL]") && text.contains("[PHONE]"))
        let texts = format.takesPreferencePairs ? 3 : 2
        let found = format.takesPreferencePairs ? 4 : 3
        #expect(summary.redactedTexts == texts)
        #expect(summary.piiReplaced == found)
        #expect(summary.text.contains("PII redacted in \(texts) texts (\(found) e-mail addresses and phone numbers)"))
    }

    @Test(arguments: TrainingFormat.allCases)
    func keepPIIWritesTheTextsAsTheyAre(format: TrainingFormat) throws {
        let folder = try TemporaryFolder("export-keep-pii")
        defer { folder.remove() }
        var options = ExportOptions(
            format: format, sourcePath: try Self.folder(folder), outputPath: folder.file("t.jsonl"))
        options.keepPII = true
        let summary = try ExportJob.run(options)
        let text = try ExportTests.text(folder.file("t.jsonl"))
        #expect(text.contains("ana.b@example.com") && !text.contains("[EMAIL]"))
        #expect(summary.redactedTexts == 0)
        #expect(summary.text.contains("PII kept as it is (--keep-pii)"))
    }

    @Test func filtersSeeTheRedactedTexts() throws {
        let folder = try TemporaryFolder("export-pii-equal")
        defer { folder.remove() }
        // Chosen and rejected differ only in an address: once redacted they are equal, so the pair teaches nothing.
        let pair = ExportTests.pair("c1", chosen: "write to a@example.com", rejected: "write to b@example.org")
        _ = try folder.write("p.jsonl", pair + "\n")
        let options = ExportOptions(format: .trlDPO, sourcePath: folder.file("p.jsonl"), outputPath: folder.file("t"))
        let summary = try ExportJob.run(options)
        #expect(summary.equalTexts == 1 && summary.kept == 0)
        #expect(summary.redactedTexts == 0, "only written records count")
    }

    @Test func unknownModelIsRefusedListingTheModelsPresent() throws {
        let folder = try TemporaryFolder("export-model-typo")
        defer { folder.remove() }
        var options = ExportOptions(
            format: .trlDPO, sourcePath: try Self.folder(folder), outputPath: folder.file("t.jsonl"))
        options.models = ["m3", "m9"]
        let error = ExportTests.error(options)
        #expect(error?.code == .invalidOption)
        #expect(
            error?.message.hasPrefix("--model m9: no preference_pair record in ") == true,
            "\(String(describing: error))")
        #expect(error?.message.hasSuffix("models present: m1, m2, m3") == true)
        #expect(!FileManager.default.fileExists(atPath: folder.file("t.jsonl")), "nothing is written")
    }

    /// Texts and models compare by code points (CONTRACT 1): "caf\u{E9}" and "cafe\u{301}" are different
    /// prompts for --dedup-prompt, different texts for the equal-texts rule, and different models.
    @Test func canonicallyEquivalentTextsAreDifferent() throws {
        let folder = try TemporaryFolder("export-exact")
        defer { folder.remove() }
        let pairs = [
            ExportTests.pair("c1", prompt: "caf\u{E9}", chosen: "caf\u{E9}", rejected: "cafe\u{301}"),
            ExportTests.pair("c2", prompt: "cafe\u{301}", models: ("m\u{E9}", "m2")),
        ]
        _ = try folder.write("preference_pair.jsonl", pairs.joined(separator: "\n") + "\n")
        var options = ExportOptions(
            format: .trlDPO, sourcePath: folder.file("preference_pair.jsonl"), outputPath: folder.file("t.jsonl"))
        options.dedupPrompt = true
        #expect(try ExportJob.run(options).kept == 2)
        options.models = ["me\u{301}"]
        #expect(throws: ExportError.self) { try ExportJob.run(options) }
    }
}
