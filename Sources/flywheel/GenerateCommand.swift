import ArgumentParser
import FlywheelSignals
import Foundation

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a realistic, deterministic synthetic chat-event log (JSONL).",
        discussion: """
            Multi-turn conversations over several models and A/B variants, with feedback, regenerations, \
            side-by-side choices, copies, errors, PII in some prompts and bounded disorder; plus the messy \
            parts a real log has, at the given rates: duplicates, late events, malformed lines and \
            timestamps with UTC offsets. The same options and seed always give the same bytes.

            Every id carries the seed (e7-0, c7-0, m7-0 and u7-0 for seed 7, in base 36), so logs generated \
            with different seeds share no id and can be replayed together.

            Examples:
              flywheel generate --conversations 2000 --seed 7 --out events.jsonl
              flywheel generate --seed 8 --out more.jsonl
              flywheel replay events.jsonl more.jsonl --out out/
            """)

    // Numbers are parsed unconditionally, so that "--conversations -5" reaches validation instead of reading as
    // a flag (and --start can be before 1970).
    @Option(parsing: .unconditional, help: "Number of conversations (about 10 events each).")
    var conversations: Int = 1000

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(name: .shortAndLong, help: "Output file ('-' for standard output).")
    var out: String

    @Option(help: "New conversations per minute of event time (more means more open at once).")
    var conversationsPerMinute: Double = 60

    @Option(parsing: .unconditional, help: "Epoch milliseconds of the first conversation's start.")
    var start: Int64 = 1_795_000_000_000

    @Option(help: "Fraction of events repeated verbatim a little later (0-1).")
    var duplicateRate: Double = 0.01

    @Option(help: "Fraction of events delayed far beyond the out-of-orderness bound (0-1).")
    var lateRate: Double = 0.002

    @Option(help: "Fraction of extra malformed or invalid lines (0-1).")
    var malformedRate: Double = 0.001

    @Option(help: "Fraction of timestamps written with a non-zero UTC offset (0-1).")
    var utcOffsetRate: Double = 0.1

    @Option(help: "Fraction of prompts containing an e-mail address or phone number (0-1).")
    var piiRate: Double = 0.05

    func validate() throws {
        guard conversations >= 0 else { throw ValidationError("--conversations must be >= 0") }
        guard conversationsPerMinute > 0 && conversationsPerMinute.isFinite else {
            throw ValidationError("--conversations-per-minute must be > 0")
        }
        let rates = [
            ("--duplicate-rate", duplicateRate), ("--late-rate", lateRate), ("--malformed-rate", malformedRate),
            ("--utc-offset-rate", utcOffsetRate), ("--pii-rate", piiRate),
        ]
        for (flag, rate) in rates where !(0...1).contains(rate) {
            throw ValidationError("\(flag) must be between 0 and 1, got \(rate)")
        }
    }

    func run() throws {
        var options = GeneratorOptions()
        options.conversations = conversations
        options.seed = seed
        options.conversationsPerMinute = conversationsPerMinute
        options.start = start
        options.duplicateRate = duplicateRate
        options.lateRate = lateRate
        options.malformedRate = malformedRate
        options.utcOffsetRate = utcOffsetRate
        options.piiRate = piiRate
        let stats: GeneratorStats
        do {
            stats = try ConversationGenerator(options: options).write(toPath: out)
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        if out != "-" {
            print(
                "wrote \(stats.lines) lines to \(out): \(stats.events) events in \(stats.conversations) conversations, "
                    + "\(stats.duplicates) duplicates, \(stats.late) late, \(stats.malformed) malformed")
        }
    }
}
