import FlywheelSignals

extension InspectFollower {
    /// What became of one line or record.
    enum Outcome: Equatable {
        /// The line to print.
        case line(String)
        /// A signal record that the filters leave out.
        case skipped
        /// Not a signal record, or one that lacks a field its kind needs.
        case notASignal
    }

    /// The line for a record that passes the filters. With `expected` (the kind of a live folder's kind
    /// folder), records of other kinds are skipped, as a one-shot read skips them.
    mutating func format(_ line: UnsafeRawBufferPointer, expected: RecordKind? = nil) -> Outcome {
        guard let kind = scanner.scan(line) else { return .notASignal }
        guard options.wants(kind), expected == nil || expected == kind else { return .skipped }
        guard let text = text(kind) else { return .notASignal }
        guard let text else { return .skipped }
        switch style {
        case .json: return .line(Self.compact(line))
        case .text: return .line(terminal.cutsLines ? DisplayWidth.cut(text, to: terminal.width) : flat(text))
        }
    }

    /// The summary line of the record just scanned: nil when it lacks a needed field, `.some(nil)` when the
    /// filters leave it out.
    private mutating func text(_ kind: RecordKind) -> String?? {
        switch kind {
        case .modelQuality:
            guard let r = scanner.quality() else { return nil }
            guard options.keeps(model: r.model, variant: r.variant),
                options.keeps(windowStart: r.windowStart, windowEnd: r.windowEnd)
            else { return .some(nil) }
            let rated = r.feedbackUp.addingSaturating(r.feedbackDown)
            let up = rated > 0 ? Double(r.feedbackUp) / Double(rated) : nil
            return
                "\(Format.time(r.windowEnd))  \(r.model)  \(r.variant)  resp \(r.responses)  up \(Format.percent(up))"
                + "  regen \(r.regenerations)  err \(r.errors)  p95 \(Format.ms(r.latency?.p95)) ms"
        case .qualityAlert:
            guard let a = scanner.alert() else { return nil }
            guard options.keeps(model: a.model, variant: a.variant) else { return .some(nil) }
            return terminal.paint(
                "ALERT \(Format.time(a.windowEnd))  \(a.model)  \(a.variant)  down \(Format.percent(a.downRate)) "
                    + "of \(a.feedback)", .red)
        case .preferencePair:
            guard let p = scanner.pair() else { return nil }
            return "pair \(p.pairId) [\(p.source)] \(p.chosenModel) > \(p.rejectedModel): \(p.prompt)"
        default:
            let fields: [RecordScanner.Key] = [.conversationId, .outcome, .reason, .eventId, .type, .timestamp]
            return ([kind.name] + fields.compactMap { scanner.string($0) }).joined(separator: "  ")
        }
    }

    /// `text` on one line (newlines and tabs shown as spaces), not cut.
    private func flat(_ text: String) -> String {
        DisplayWidth.cut(text, to: .max)
    }

    /// The record's JSON text on one line, without surrounding whitespace. A raw line break can only be
    /// whitespace between tokens (JSON strings cannot hold one), so it becomes a space.
    static func compact(_ line: UnsafeRawBufferPointer) -> String {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = 0
        var end = line.count
        while start < end && isSpace(line[start]) { start += 1 }
        while end > start && isSpace(line[end - 1]) { end -= 1 }
        let bytes = line[start..<end].map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
