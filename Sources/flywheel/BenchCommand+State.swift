import ArgumentParser
import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import Foundation

/// `flywheel bench state`: heap bytes per open conversation, per operator.
struct BenchStateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Measure the heap the operators keep per open conversation.",
        discussion: """
            Generates N conversations that all start within a second (no duplicate, late or malformed lines; events \
            over 25 minutes after the first, such as turns after a pause of over 30 minutes, are left out); then, \
            for each run, decodes them (as a job does, so the texts and ids the operators keep are counted) and \
            feeds them through the ingest driver to one shard's operators (the watermark follows the events: max \
            event time - 5 s), so every pair rule has been applied and every 30-minute session is still open. \
            Reports the heap grown per open conversation (jemalloc's stats.allocated when jemalloc is linked, else \
            the resident memory), measured once the driver and its de-dup ids are gone; the UTF-8 bytes of the \
            prompt and response texts per conversation; and what remains per conversation besides those bytes \
            (where the pair operator runs: it keeps every text). Each operator that keeps texts holds its own copy \
            of their bytes: the pair operator every text, the conversation operator those of sessions that can \
            still give an SFT example, so the default pipeline's figure besides the texts includes that second \
            copy. Runs the conversation operator (summaries and SFT examples) alone, the preference-pair operator \
            alone, and both, each in a fresh shard:
              swift run -c release flywheel bench state --conversations 20000
            """)

    @Option(parsing: .unconditional, help: "Number of conversations, all open at once.")
    var conversations: Int = 20_000

    func validate() throws {
        guard conversations >= 100 else {
            throw ValidationError("--conversations must be at least 100, got \(conversations)")
        }
    }

    func run() throws {
        let log = Self.log(conversations: conversations)
        print(
            "\(conversations) conversations, \(log.lines) events "
                + String(format: "(%.1f per conversation)", Double(log.lines) / Double(conversations))
                + ", heap measured by \(HeapMeter.source)")
        print(
            String(
                format:
                    "prompt and response texts: %.0f B of UTF-8 per conversation (each operator keeps its own copy)",
                log.textBytes))
        // The pair operator keeps every text; the conversation operator only those of sessions that can still
        // give an SFT example, so "besides the texts" is shown where every text is kept.
        let runs: [(String, Set<SignalKind>, Bool)] = [
            ("conversation_summary + sft_example", [.conversationSummary, .sftExample], false),
            ("preference_pair", [.preferencePair], true),
            ("both (the default pipeline)", [.conversationSummary, .sftExample, .preferencePair], true),
        ]
        for (name, kinds, keepsEveryText) in runs {
            let (heap, open) = measure(log, kinds: kinds)
            let perConversation = Double(heap) / Double(conversations)
            let besides =
                keepsEveryText ? String(format: ", %5.0f B besides the texts", perConversation - log.textBytes) : ""
            print(
                name.padding(toLength: 36, withPad: " ", startingAt: 0)
                    + String(format: "heap %5.0f B/conversation", perConversation) + besides
                    + " (\(open) conversations kept)")
        }
    }

    /// Feeds the lines through the ingest driver to a fresh shard running `kinds`; returns the heap the shard
    /// grew by (measured once the driver, with its de-dup ids, is gone) and the conversations it keeps.
    private func measure(_ log: Log, kinds: Set<SignalKind>) -> (heap: Int, open: Int) {
        var config = PipelineConfig()
        config.signals.enabled = kinds
        let before = HeapMeter.allocated()
        var shard = SignalShardOperator(config: config, catalog: nil, sourceNames: ["bench"])
        do {
            // A fresh driver cannot fail to restore: it restores nothing.
            guard var driver = try? IngestDriver(time: config.time, sourceNames: ["bench"], shards: 1) else {
                return (0, 0)
            }
            // Decoded here, as a job decodes its input: the strings the operators keep (texts, ids) are allocated
            // after `before`, so they count, and the events' other strings are freed with the events.
            var decoder = EventDecoder(maxEventBytes: 1 << 20, countsPII: true)
            var output: [SignalRecord] = []
            var position: Int64 = 0
            log.forEachLine { line in
                position += 1
                let decoded = decoder.decode(line, origin: EventOrigin(position: position))
                driver.ingest(InputLine(position: position, endOffset: position, decoded: decoded), partition: 0)
                if driver.linesInBatch == 256 || Int(position) == log.lines {
                    shard.process(driver.cut().shards[0], into: &output)
                    output.removeAll(keepingCapacity: true)
                }
            }
        }
        let heap = HeapMeter.allocated() - before
        let open = Swift.max(shard.openConversationSessions, shard.pairConversations)
        withExtendedLifetime(shard) {}
        return (heap, open)
    }

    private struct Log {
        /// Decoded, as a file source hands them to the ingest (no input ends: every session stays open).
        /// The kept lines, each ending with a newline (decoded inside each measurement).
        var bytes: [UInt8] = []
        var lines = 0
        /// UTF-8 bytes of the prompt and response texts, per conversation.
        var textBytes = 0.0

        func forEachLine(_ body: (UnsafeRawBufferPointer) -> Void) {
            bytes.withUnsafeBytes { bytes in
                var start = 0
                for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
                    body(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                    start = index + 1
                }
            }
        }
    }

    /// The generated conversations, decoded.
    private static func log(conversations: Int) -> Log {
        let options = GeneratorOptions(
            conversations: conversations, conversationsPerMinute: 60_000_000, duplicateRate: 0, lateRate: 0,
            malformedRate: 0)
        var decoder = EventDecoder(maxEventBytes: 1 << 20, countsPII: true)
        var log = Log()
        var textBytes = 0
        // A few conversations pause for over 30 minutes: their later turns are left out, so that the watermark
        // stays within every session's gap and all conversations stay open.
        let end = EventTime(millis: options.start + 25 * 60_000)
        _ = ConversationGenerator(options: options).generate { chunk in
            var start = 0
            for index in chunk.indices where chunk[index] == UInt8(ascii: "\n") {
                let line = UnsafeRawBufferPointer(rebasing: chunk[start..<index])
                start = index + 1
                guard case .event(let event) = decoder.decode(line, origin: EventOrigin()), event.time < end else {
                    continue
                }
                if event.type == .prompt || event.type == .response, let count = event.text?.utf8.count {
                    textBytes += count
                }
                log.bytes.append(contentsOf: line)
                log.bytes.append(UInt8(ascii: "\n"))
                log.lines += 1
            }
        }
        log.textBytes = Double(textBytes) / Double(conversations)
        return log
    }
}
