import ArgumentParser
import FlywheelConnectors
import FlywheelSignals
import Foundation

extension TrainingFormat: ExpressibleByArgument {}
extension PairSource: ExpressibleByArgument, CaseIterable {
    public static var allCases: [PairSource] { [.choice, .feedback, .regenerate] }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write preference pairs or SFT examples as training files for OpenAI or TRL.",
        discussion: """
            SRC is a replay output folder (preference_pair.jsonl is read for the DPO formats, sft_example.jsonl \
            for the SFT formats) or one signal JSONL file (gzip is read transparently, '-' is standard input). \
            Records of another signal are skipped and counted.

            Formats, one compact JSON object per line (UTF-8, keys in this order):
              openai-dpo  {"input":{"messages":[user P]},
                           "preferred_output":[assistant A],
                           "non_preferred_output":[assistant B]}
              trl-dpo     {"prompt":[user P],"chosen":[assistant A],
                           "rejected":[assistant B]}
              openai-sft  {"messages":[...]}; no "weight" unless --weight-last-only
              trl-sft     {"messages":[...]}

            PII: every text of every format (prompt, chosen, rejected, every message) has its e-mail \
            addresses and phone numbers replaced by [EMAIL] and [PHONE], with the patterns the replay uses \
            for SFT examples; the summary says in how many texts. --keep-pii writes the texts as they are. \
            The filters below see the redacted texts.

            Filters: --source and --model apply to the DPO formats only (SFT examples carry neither); no \
            format can filter by variant (the records carry none). A --model that no pair names is an error \
            (exit 64) listing the models present. Equal chosen/rejected texts are dropped unless \
            --keep-equal. --min-chars and --dedup-prompt work for every format; --dedup-prompt keeps the \
            first record per prompt (SFT: per first user message), after the other filters.

            --split F puts each conversation, by a stable hash of its id (FNV-1a 64), in the training file \
            (about F of them) or in the validation file next to it, named with .val before the extension \
            (train.jsonl -> train.val.jsonl). Files are written as FILE.tmp and renamed at the end: a failed \
            export leaves nothing half-written. Same input and options, same bytes.

            Exit codes: 0 written, 1 unreadable source or unwritable output, 64 bad flag or flag value.

            Example:
              flywheel export --format trl-dpo out/ -o dpo.jsonl \\
                  --source choice --split 0.9
            """)

    @Option(help: "Training format.")
    var format: TrainingFormat

    @Argument(help: "A replay output folder or one signal JSONL file ('-' for standard input).")
    var src: String

    @Option(name: .shortAndLong, help: "The training file to write (replaced if it exists).")
    var out: String

    @Option(help: "Keep only pairs from this rule (repeatable). DPO formats only.")
    var source: [PairSource] = []

    @Option(help: "Keep only pairs whose chosen or rejected model is M (repeatable). DPO formats only.")
    var model: [String] = []

    @Option(help: ArgumentHelp("Not supported: the records carry no variant.", visibility: .hidden))
    var variant: [String] = []

    @Flag(help: "Drop (default) or keep pairs whose chosen and rejected texts are equal. DPO formats only.")
    var equalTexts: EqualTexts = .dropEqual

    @Flag(help: "Keep only the first record per prompt (SFT: per first user message).")
    var dedupPrompt = false

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Fraction of conversations for the training file, between 0 and 1 (exclusive); the rest go to "
                + "FILE with .val before its extension.", valueName: "fraction"))
    var split: Double?

    // Unconditional, so that "--min-chars -1" reaches validation (and its message) instead of reading as a flag.
    @Option(parsing: .unconditional, help: "Drop records with any text shorter than N Unicode code points.")
    var minChars: Int = 0

    @Flag(help: "openai-sft only: weight 0 on every assistant message but the last, weight 1 on the last.")
    var weightLastOnly = false

    @Flag(help: "Write texts as they are: no [EMAIL]/[PHONE] redaction (by default every text is redacted).")
    var keepPII = false

    @Flag(help: "Print no summary, only errors.")
    var quiet = false

    enum EqualTexts: EnumerableFlag {
        case dropEqual, keepEqual
    }

    var options: ExportOptions {
        ExportOptions(
            format: format, sourcePath: src, outputPath: out, sources: Set(source), models: Set(model),
            variants: variant, dropEqual: equalTexts == .dropEqual, dedupPrompt: dedupPrompt, split: split,
            minChars: minChars, weightLastOnly: weightLastOnly, keepPII: keepPII)
    }

    func validate() throws {
        do throws(ExportError) {
            try options.validate()
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        do throws(ExportError) {
            let summary = try ExportJob.run(options)
            if !quiet { print(summary.text) }
        } catch {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(error.code == .invalidOption ? 64 : 1)
        }
    }
}
