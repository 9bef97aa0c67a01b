import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// `flywheel export`: training-file formats, filters, the split and the promised errors.
struct ExportTests {
    static func line(_ object: [String: Any]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }

    static func pair(
        _ conversation: String, source: String = "choice", prompt: String = "a prompt", chosen: String = "yes",
        rejected: String = "no", models: (String, String) = ("m1", "m2")
    ) -> String {
        line([
            "signal": "preference_pair", "pair_id": "x:y", "conversation_id": conversation, "source": source,
            "prompt": prompt, "chosen": chosen, "rejected": rejected, "chosen_model": models.0,
            "rejected_model": models.1, "timestamp": "2026-11-26T10:00:00.000Z",
        ])
    }

    static func sft(_ conversation: String, _ texts: [String]) -> String {
        let messages = texts.enumerated().map { index, text in
            ["role": index.isMultiple(of: 2) ? "user" : "assistant", "content": text]
        }
        return line(["signal": "sft_example", "conversation_id": conversation, "messages": messages])
    }

    /// A replay-like folder: three pairs and two SFT examples with quotes, newlines and non-ASCII text.
    static func replayFolder(_ folder: TemporaryFolder) throws -> String {
        let pairs = [
            pair("c1", prompt: "Café \"quote\"?", chosen: "Oui,\nmerci 🍁", rejected: "No"),
            pair("c2", source: "feedback", models: ("m2", "m3")),
            pair("c3", source: "regenerate", models: ("m3", "m1")),
        ]
        let examples = [sft("c1", ["hi", "hello", "again", "sure"]), sft("c2", ["日本", "はい"])]
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        _ = try folder.write("out/preference_pair.jsonl", pairs.joined(separator: "\n") + "\n")
        _ = try folder.write("out/sft_example.jsonl", examples.joined(separator: "\n") + "\n")
        return folder.file("out")
    }

    static func objects(_ path: String) throws -> [[String: Any]] {
        try GoldenComparison.records(at: path)
    }

    static func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    static func error(_ options: ExportOptions) -> ExportError? {
        do {
            _ = try ExportJob.run(options)
            return nil
        } catch {
            return error
        }
    }

    // MARK: formats

    @Test(arguments: TrainingFormat.allCases)
    func everyLineParsesAndHasExactlyTheFieldsOfItsFormat(format: TrainingFormat) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try Self.replayFolder(folder)
        let summary = try ExportJob.run(ExportOptions(format: format, sourcePath: source, outputPath: folder.file("t")))
        let records = try Self.objects(folder.file("t"))
        #expect(records.count == (format.takesPreferencePairs ? 3 : 2))
        #expect(summary.kept == records.count)
        for record in records {
            switch format {
            case .openAIDPO:
                #expect(Set(record.keys) == ["input", "preferred_output", "non_preferred_output"])
                let input = try #require(record["input"] as? [String: Any])
                #expect(Set(input.keys) == ["messages"])
                try expectMessages(input["messages"], roles: ["user"])
                try expectMessages(record["preferred_output"], roles: ["assistant"])
                try expectMessages(record["non_preferred_output"], roles: ["assistant"])
            case .trlDPO:
                #expect(Set(record.keys) == ["prompt", "chosen", "rejected"])
                try expectMessages(record["prompt"], roles: ["user"])
                try expectMessages(record["chosen"], roles: ["assistant"])
                try expectMessages(record["rejected"], roles: ["assistant"])
            case .openAISFT, .trlSFT:
                #expect(Set(record.keys) == ["messages"])
                let count = (record["messages"] as? [Any])?.count ?? 0
                try expectMessages(record["messages"], roles: Array(["user", "assistant"].cycled(count)))
            }
        }
    }

    func expectMessages(_ value: Any?, roles: [String]) throws {
        let messages = try #require(value as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == roles)
        for message in messages {
            #expect(Set(message.keys) == ["role", "content"])
            #expect(message["content"] is String)
        }
    }

    @Test func linesAreCompactUTF8WithKeysInFormatOrder() throws {
        let record = PreferencePairRecord(
            conversationId: "c", source: "choice", prompt: "Café \"q\"", chosen: "a\nb 🍁", rejected: "no")
        let openAI = try #require(TrainingFormat.openAIDPO.line(for: record))
        #expect(
            String(decoding: openAI, as: UTF8.self)
                == #"{"input":{"messages":[{"role":"user","content":"Café \"q\""}]},"#
                + #""preferred_output":[{"role":"assistant","content":"a\nb 🍁"}],"#
                + #""non_preferred_output":[{"role":"assistant","content":"no"}]}"# + "\n")
        let trl = try #require(TrainingFormat.trlDPO.line(for: record))
        #expect(
            String(decoding: trl, as: UTF8.self)
                == #"{"prompt":[{"role":"user","content":"Café \"q\""}],"#
                + #""chosen":[{"role":"assistant","content":"a\nb 🍁"}],"#
                + #""rejected":[{"role":"assistant","content":"no"}]}"# + "\n")
        #expect(TrainingFormat.openAISFT.line(for: record) == nil)
        let example = SFTExampleRecord(
            conversationId: "c",
            messages: [.init(role: "user", content: "hi"), .init(role: "assistant", content: "yo")])
        let sft = try #require(TrainingFormat.trlSFT.line(for: example))
        #expect(
            String(decoding: sft, as: UTF8.self)
                == #"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}"# + "\n")
        #expect(TrainingFormat.trlDPO.line(for: example) == nil)
    }

    @Test func openAISFTHasNoWeightByDefaultAndWeightLastOnlyMarksTheLastAnswer() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try Self.replayFolder(folder)
        var options = ExportOptions(format: .openAISFT, sourcePath: source, outputPath: folder.file("plain.jsonl"))
        _ = try ExportJob.run(options)
        #expect(try !Self.text(folder.file("plain.jsonl")).contains("weight"))
        options.outputPath = folder.file("weighted.jsonl")
        options.weightLastOnly = true
        _ = try ExportJob.run(options)
        let first = try #require(try Self.text(folder.file("weighted.jsonl")).split(separator: "\n").first)
        #expect(
            first
                == #"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello","weight":0},"#
                + #"{"role":"user","content":"again"},{"role":"assistant","content":"sure","weight":1}]}"#)
    }

    // MARK: filters

    @Test func sourceFilterKeepsOnlyTheNamedRules() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var options = ExportOptions(
            format: .trlDPO, sourcePath: try Self.replayFolder(folder), outputPath: folder.file("t.jsonl"))
        options.sources = [.feedback, .regenerate]
        let summary = try ExportJob.run(options)
        #expect(summary.read == 3)
        #expect(summary.filtered == 1)
        #expect(summary.kept == 2)
    }

    @Test func modelFilterMatchesChosenOrRejectedModel() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var options = ExportOptions(
            format: .openAIDPO, sourcePath: try Self.replayFolder(folder), outputPath: folder.file("t.jsonl"))
        options.models = ["m3"]
        let summary = try ExportJob.run(options)
        #expect(summary.filtered == 1)
        #expect(summary.kept == 2)
    }

    @Test func equalTextsAreDroppedByDefaultAndKeptOnRequest() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = try folder.write(
            "p.jsonl", [Self.pair("a", chosen: "same", rejected: "same"), Self.pair("b")].joined(separator: "\n"))
        var options = ExportOptions(format: .trlDPO, sourcePath: input, outputPath: folder.file("t.jsonl"))
        let dropped = try ExportJob.run(options)
        #expect(dropped.equalTexts == 1)
        #expect(dropped.kept == 1)
        options.dropEqual = false
        let kept = try ExportJob.run(options)
        #expect(kept.equalTexts == 0)
        #expect(kept.kept == 2)
    }

    @Test func dedupPromptKeepsTheFirstRecordPerPrompt() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pairs = try folder.write(
            "p.jsonl",
            [
                Self.pair("a", prompt: "P", chosen: "x", rejected: "x"), Self.pair("b", prompt: "P", chosen: "first"),
                Self.pair("c", prompt: "P", chosen: "second"), Self.pair("d", prompt: "Q"),
            ].joined(separator: "\n"))
        var options = ExportOptions(format: .trlDPO, sourcePath: pairs, outputPath: folder.file("t.jsonl"))
        options.dedupPrompt = true
        let summary = try ExportJob.run(options)
        #expect(summary.equalTexts == 1)
        #expect(summary.duplicatePrompt == 1)
        let chosen = try Self.objects(folder.file("t.jsonl")).map {
            (($0["chosen"] as? [[String: Any]])?.first?["content"] as? String) ?? ""
        }
        #expect(chosen == ["first", "yes"])

        let examples = try folder.write(
            "s.jsonl",
            [Self.sft("a", ["P", "1"]), Self.sft("b", ["P", "2"]), Self.sft("c", ["Q", "3"])].joined(
                separator: "\n"))
        options = ExportOptions(format: .trlSFT, sourcePath: examples, outputPath: folder.file("s.out"))
        options.dedupPrompt = true
        let sft = try ExportJob.run(options)
        #expect(sft.duplicatePrompt == 1)
        #expect(sft.kept == 2)
    }

    @Test func minCharsDropsRecordsWithAnyShortTextCountingCodePoints() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let pairs = try folder.write(
            "p.jsonl",
            [
                Self.pair("a", prompt: "long prompt", chosen: "long answer", rejected: "ok"),
                Self.pair("b", prompt: "日本語です", chosen: "はいはい", rejected: "いいえです"),
            ].joined(separator: "\n"))
        var options = ExportOptions(format: .openAIDPO, sourcePath: pairs, outputPath: folder.file("t.jsonl"))
        options.minChars = 4
        let summary = try ExportJob.run(options)
        #expect(summary.tooShort == 1)
        #expect(summary.kept == 1)
        let examples = try folder.write(
            "s.jsonl",
            [Self.sft("a", ["long enough", "hi"]), Self.sft("b", ["long enough", "fine"])].joined(
                separator: "\n"))
        options = ExportOptions(format: .openAISFT, sourcePath: examples, outputPath: folder.file("s.out"))
        options.minChars = 3
        let sft = try ExportJob.run(options)
        #expect(sft.tooShort == 1)
        #expect(sft.kept == 1)
    }

    @Test func singleSignalFileSkipsAndCountsOtherSignals() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let mixed = try folder.write(
            "all.jsonl", [Self.pair("a"), Self.sft("b", ["p", "r"]), "", Self.pair("c")].joined(separator: "\n"))
        let summary = try ExportJob.run(
            ExportOptions(format: .trlDPO, sourcePath: mixed, outputPath: folder.file("t.jsonl")))
        #expect(summary.read == 3)
        #expect(summary.otherSignal == 1)
        #expect(summary.kept == 2)
        #expect(summary.text.contains("other signal 1"))
    }

    // MARK: split

    /// Expected values computed independently (Python) from FNV-1a 64 + fmix64, top 53 bits.
    @Test(arguments: [
        ("c4", 0.2313017747324566), ("cb", 0.1534227798880159), ("c1j", 0.09395968288988832),
        ("conv-0001", 0.8947267259931474), ("hello", 0.9131681176347193), ("ü-日本", 0.6661317223651717),
    ])
    func splitPointIsFixedForKnownConversationIds(id: String, expected: Double) {
        #expect(ExportJob.splitPoint(conversationId: id) == expected)
    }

    @Test func fnv1a64MatchesTheReferenceValue() {
        #expect(ExportJob.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(ExportJob.fnv1a64("hello") == 0xa430_d846_80aa_bd0b)
    }

    @Test func splitKeepsConversationsWholeAndIsStableAcrossRuns() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ids = ["c4", "cb", "c1j", "conv-0001", "hello", "ü-日本"]
        let lines = ids.flatMap { id in [Self.pair(id, prompt: "1 " + id), Self.pair(id, prompt: "2 " + id)] }
        let input = try folder.write("p.jsonl", lines.joined(separator: "\n") + "\n")
        var options = ExportOptions(format: .trlDPO, sourcePath: input, outputPath: folder.file("run1.jsonl"))
        options.split = 0.5
        let summary = try ExportJob.run(options)
        #expect(summary.validationPath == folder.file("run1.val.jsonl"))
        #expect(summary.train == 6)
        #expect(summary.validation == 6)
        let prompts = { (path: String) in
            try Self.objects(path).compactMap { (($0["prompt"] as? [[String: Any]])?.first?["content"] as? String) }
        }
        #expect(try prompts(folder.file("run1.jsonl")) == ["1 c4", "2 c4", "1 cb", "2 cb", "1 c1j", "2 c1j"])
        #expect(try prompts(folder.file("run1.val.jsonl")).count == 6)
        options.outputPath = folder.file("run2.jsonl")
        _ = try ExportJob.run(options)
        #expect(try Self.text(folder.file("run1.jsonl")) == Self.text(folder.file("run2.jsonl")))
        #expect(try Self.text(folder.file("run1.val.jsonl")) == Self.text(folder.file("run2.val.jsonl")))
    }

    @Test(arguments: [
        ("out.jsonl", "out.val.jsonl"), ("dir/train.jsonl", "dir/train.val.jsonl"), ("data", "data.val"),
        ("a.b/data", "a.b/data.val"), (".hidden", ".hidden.val"), ("x.tar.gz", "x.tar.val.gz"),
    ])
    func validationFileHasValBeforeTheExtension(path: String, expected: String) {
        #expect(ExportOptions.validationPath(for: path) == expected)
    }

    // MARK: errors

    @Test func missingSourceIsNamed() {
        let error = Self.error(ExportOptions(format: .trlDPO, sourcePath: "/nonexistent/x", outputPath: "/tmp/y"))
        #expect(error?.code == .sourceNotFound)
        #expect(error?.message.hasPrefix("export source not found: /nonexistent/x") == true)
    }

    @Test func folderWithoutTheSignalFileIsNotAReplayFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let error = Self.error(ExportOptions(format: .openAIDPO, sourcePath: folder.path, outputPath: folder.file("t")))
        #expect(error?.code == .notAReplayFolder)
        #expect(error?.message.hasPrefix("not a replay output folder: no preference_pair.jsonl in") == true)
        let sft = Self.error(ExportOptions(format: .trlSFT, sourcePath: folder.path, outputPath: folder.file("t")))
        #expect(sft?.message.hasPrefix("not a replay output folder: no sft_example.jsonl in") == true)
    }

    @Test func badLineStopsNamingFileAndLineAndWritesNothing() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = try folder.write("p.jsonl", Self.pair("a") + "\n{not json\n" + Self.pair("b") + "\n")
        let out = try folder.write("t.jsonl", "previous\n")
        var options = ExportOptions(format: .trlDPO, sourcePath: input, outputPath: out)
        options.split = 0.5
        let error = Self.error(options)
        #expect(error?.code == .badRecord)
        #expect(error?.message == "\(input):2: not valid JSON")
        #expect(try Self.text(out) == "previous\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(leftovers == ["p.jsonl", "t.jsonl"])
    }

    @Test func lineWithoutANeededFieldNamesTheField() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = try folder.write(
            "p.jsonl", Self.pair("a") + "\n" + Self.line(["signal": "preference_pair", "conversation_id": "c"]))
        let error = Self.error(ExportOptions(format: .openAIDPO, sourcePath: input, outputPath: folder.file("t")))
        #expect(error?.message.hasPrefix("\(input):2: missing field \"prompt\"") == true)
        #expect(!FileManager.default.fileExists(atPath: folder.file("t")))
        let sft = try folder.write("s.jsonl", Self.line(["conversation_id": "c", "messages": [["role": "user"]]]))
        let sftError = Self.error(ExportOptions(format: .trlSFT, sourcePath: sft, outputPath: folder.file("t")))
        #expect(sftError?.message == "\(sft):1: messages[0] must be an object with string \"role\" and \"content\"")
    }

    @Test func fileOfAnotherSignalSuggestsTheRightFormat() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = try folder.write("s.jsonl", Self.sft("a", ["p", "r"]) + "\n")
        let error = Self.error(ExportOptions(format: .trlDPO, sourcePath: input, outputPath: folder.file("t")))
        #expect(error?.code == .wrongSignal)
        #expect(error?.message.hasSuffix("for sft_example use --format openai-sft or trl-sft") == true)
    }

    @Test func unwritableOutputIsAnError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let source = try Self.replayFolder(folder)
        let missing = Self.error(
            ExportOptions(format: .trlDPO, sourcePath: source, outputPath: folder.file("no/such/dir/t.jsonl")))
        #expect(missing?.code == .writeFailed)
        #expect(missing?.message.hasPrefix("cannot write \(folder.file("no/such/dir/t.jsonl"))") == true)
        let isFolder = Self.error(ExportOptions(format: .trlDPO, sourcePath: source, outputPath: folder.path))
        #expect(isFolder?.code == .writeFailed)
    }

    @Test(arguments: [0.0, 1.0, 1.5, -0.1, Double.nan])
    func splitOutsideZeroToOneIsRefused(split: Double) {
        var options = ExportOptions(format: .trlDPO, sourcePath: "in", outputPath: "out.jsonl")
        options.split = split
        #expect(Self.error(options)?.message.hasPrefix("--split must be a fraction between 0 and 1") == true)
    }

    @Test func filtersAFormatCannotApplyAreRefusedWithTheReason() {
        var options = ExportOptions(format: .trlSFT, sourcePath: "in", outputPath: "out.jsonl")
        options.models = ["m"]
        #expect(Self.error(options)?.message.hasPrefix("--model applies only to the DPO formats") == true)
        options.models = []
        options.sources = [.choice]
        #expect(Self.error(options)?.message.hasPrefix("--source applies only to the DPO formats") == true)
        options.sources = []
        options.weightLastOnly = true
        #expect(Self.error(options)?.message.hasPrefix("--weight-last-only applies only to") == true)
        options = ExportOptions(format: .openAIDPO, sourcePath: "in", outputPath: "out.jsonl", variants: ["B"])
        #expect(Self.error(options)?.message.hasPrefix("--variant is not supported") == true)
        #expect(Self.error(options)?.code == .invalidOption)
    }
}

extension Array where Element == String {
    /// The elements repeated in order until `count` elements.
    fileprivate func cycled(_ count: Int) -> [String] { (0..<count).map { self[$0 % self.count] } }
}
