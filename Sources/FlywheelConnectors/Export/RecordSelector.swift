import FlywheelEngine
import FlywheelSignals

/// The drop and redaction counts of a `RecordSelector`, in the shape of the summary.
struct SelectionCounts: Sendable {
    var read = 0
    var otherSignal = 0
    var filtered = 0
    var equalTexts = 0
    var tooShort = 0
    var duplicatePrompt = 0
    /// Texts of the kept records in which PII was replaced, and how many e-mail addresses and phone numbers.
    var redactedTexts = 0
    var piiReplaced = 0
}

extension ExportSummary {
    mutating func apply(_ counts: SelectionCounts) {
        read = counts.read
        otherSignal = counts.otherSignal
        filtered = counts.filtered
        equalTexts = counts.equalTexts
        tooShort = counts.tooShort
        duplicatePrompt = counts.duplicatePrompt
        redactedTexts = counts.redactedTexts
        piiReplaced = counts.piiReplaced
    }
}

/// Applies the export filters to records in file order. A record is counted under the first reason
/// that drops it, in this order: other signal, `--source`/`--model`, equal texts, `--min-chars`,
/// `--dedup-prompt` (last, so a dropped record never hides a later good one with the same prompt).
///
/// Unless `keepPII`, every text is redacted first (CONTRACT 3.4 patterns, ``PIIRedactor``), so the filters
/// compare and measure what is written.
struct RecordSelector {
    let options: ExportOptions
    private(set) var counts = SelectionCounts()
    /// Strings compare by code points here as everywhere (CONTRACT 1): `ExactKey`, never `String ==`.
    private var seenPrompts: Set<ExactKey> = []
    private var firstOtherSignal: String?
    /// The chosen and rejected models of every pair read, for refusing a `--model` no pair names.
    private var modelsPresent: Set<ExactKey> = []
    /// Redactions in the record being taken, added to `counts` when it is kept.
    private var pending = (texts: 0, replaced: 0)

    init(options: ExportOptions) { self.options = options }

    /// The encoded line and conversation id of a kept record; nil for a dropped one.
    mutating func take(_ object: [String: Any]) throws(ExportError) -> (line: [UInt8], conversationId: String)? {
        counts.read += 1
        let format = options.format
        // A record without "signal" is taken to be of the kind the format reads.
        if let signal = object["signal"] as? String, signal != format.signal.rawValue {
            counts.otherSignal += 1
            if firstOtherSignal == nil { firstOtherSignal = signal }
            return nil
        }
        pending = (0, 0)
        let kept: (line: [UInt8], conversationId: String)?
        if format.takesPreferencePairs {
            var pair = try PreferencePairRecord(json: object)
            modelsPresent.formUnion([pair.chosenModel, pair.rejectedModel].compactMap { $0.map(ExactKey.init) })
            redact(&pair.prompt)
            redact(&pair.chosen)
            redact(&pair.rejected)
            kept = keep(pair) ? format.line(for: pair).map { ($0, pair.conversationId) } : nil
        } else {
            var example = try SFTExampleRecord(json: object)
            for index in example.messages.indices { redact(&example.messages[index].content) }
            kept =
                keep(example)
                ? format.line(for: example, weightLastOnly: options.weightLastOnly).map { ($0, example.conversationId) }
                : nil
        }
        if kept != nil {
            counts.redactedTexts += pending.texts
            counts.piiReplaced += pending.replaced
        }
        return kept
    }

    /// Replaces e-mail addresses and phone numbers in `text`, unless `--keep-pii`.
    private mutating func redact(_ text: inout String) {
        guard !options.keepPII else { return }
        let (redacted, found) = PIIRedactor.redact(text)
        guard found > 0 else { return }
        text = redacted
        pending.texts += 1
        pending.replaced += found
    }

    /// Refuses a `--model` that no pair of the source names as chosen or rejected model (most likely a typo),
    /// listing the models present.
    func checkModelsFound(in path: String) throws(ExportError) {
        guard let missing = options.models.sorted().first(where: { !modelsPresent.contains(ExactKey($0)) }) else {
            return
        }
        let names = modelsPresent.map(\.value).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let present = names.isEmpty ? "none" : names.joined(separator: ", ")
        throw ExportError(
            .invalidOption,
            "--model \(missing): no preference_pair record in \(path) names it as chosen or rejected model; "
                + "models present: \(present)")
    }

    /// Refuses a source whose records are all of another signal (most likely the wrong `--format`).
    func checkSignalFound(in path: String) throws(ExportError) {
        guard counts.read > 0, counts.otherSignal == counts.read, let found = firstOtherSignal else { return }
        let format = options.format
        var hint = ""
        if let kind = SignalKind(rawValue: found), kind == .preferencePair || kind == .sftExample {
            let formats = TrainingFormat.allCases.filter { $0.signal == kind }.map(\.rawValue)
            hint = "; for \(found) use --format " + formats.joined(separator: " or ")
        }
        throw ExportError(
            .wrongSignal,
            "\(path) has no \(format.signal.rawValue) records (found \(found)): --format \(format.rawValue) "
                + "reads \(format.signal.rawValue)\(hint)")
    }

    private mutating func keep(_ pair: PreferencePairRecord) -> Bool {
        if !options.sources.isEmpty && !options.sources.contains(where: { $0.rawValue == pair.source }) {
            counts.filtered += 1
            return false
        }
        if !options.models.isEmpty
            && !options.models.contains(where: {
                $0.isExactly(pair.chosenModel ?? "") || $0.isExactly(pair.rejectedModel ?? "")
            })
        {
            counts.filtered += 1
            return false
        }
        if options.dropEqual && pair.chosen.isExactly(pair.rejected) {
            counts.equalTexts += 1
            return false
        }
        guard longEnough([pair.prompt, pair.chosen, pair.rejected]) else { return false }
        return firstWith(prompt: pair.prompt)
    }

    private mutating func keep(_ example: SFTExampleRecord) -> Bool {
        guard longEnough(example.messages.map(\.content)) else { return false }
        return firstWith(prompt: example.firstPrompt)
    }

    private mutating func longEnough(_ texts: [String]) -> Bool {
        guard options.minChars > 0 else { return true }
        if texts.allSatisfy({ $0.unicodeScalars.count >= options.minChars }) { return true }
        counts.tooShort += 1
        return false
    }

    private mutating func firstWith(prompt: String) -> Bool {
        guard options.dedupPrompt else { return true }
        if seenPrompts.insert(ExactKey(prompt)).inserted { return true }
        counts.duplicatePrompt += 1
        return false
    }
}
