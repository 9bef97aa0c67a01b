/// What mapping one OpenTelemetry record (a span or a log record) gives.
enum OTLPRecordOutcome {
    /// Chat events, in order; `context` describes the response of a chat span (for evaluations that follow).
    case events([ChatEventLine], context: GenAIResponseContext?)
    /// Not GenAI data this service maps (no `gen_ai.operation.name`, another operation, another event): counted,
    /// not an error.
    case skipped
    /// GenAI data that cannot become chat events: counted in `partial_success`, with the reason.
    case rejected(String)
}

/// What the service knows of a chat span's response, to resolve evaluations that name only the span or the
/// response id.
struct GenAIResponseContext: Sendable, Equatable {
    var conversationId: String
    var messageId: String
    var model: String?
    var variant: String?
    var userId: String?
}

/// The outcome of one export request: the chat events to append (each with its record's number), and the
/// counts and reasons for `partial_success`.
struct OTLPMapping {
    /// The signal's record name in messages ("span", "log record").
    let recordName: String
    var events: [ChatEventLine] = []
    /// The number of the record (in request order) each event of `events` comes from.
    var eventRecords: [Int] = []
    var records = 0
    var mapped = 0
    var skipped = 0
    var rejected = 0
    private(set) var reasons: [String] = []

    /// How many rejection reasons a response lists (the count covers them all).
    static let listedReasons = 5

    init(recordName: String) { self.recordName = recordName }

    mutating func reject(_ reason: String) {
        rejected += 1
        if reasons.count < Self.listedReasons { reasons.append(reason) }
    }

    /// `partial_success.error_message`: the rejections with their first reasons, and the records skipped (a
    /// warning when nothing was rejected, as OTLP allows). Empty when every record was mapped.
    var message: String {
        var parts: [String] = []
        if rejected > 0 {
            let more = rejected > reasons.count ? "; and \(rejected - reasons.count) more" : ""
            parts.append("rejected \(count(rejected)): " + reasons.joined(separator: "; ") + more)
        }
        if skipped > 0 {
            parts.append(
                "skipped \(count(skipped)) without GenAI chat data (gen_ai.operation.name chat, text_completion or "
                    + "generate_content; gen_ai.evaluation.result events)")
        }
        return parts.joined(separator: ". ")
    }

    private func count(_ number: Int) -> String { "\(number) \(recordName)\(number == 1 ? "" : "s")" }
}

extension OTLPMapping {
    /// Counts one record's outcome; its events join `events`, each with the record's number.
    mutating func add(_ outcome: OTLPRecordOutcome) {
        switch outcome {
        case .events(let recordEvents, _):
            mapped += 1
            events.append(contentsOf: recordEvents)
            eventRecords.append(contentsOf: repeatElement(records, count: recordEvents.count))
        case .skipped: skipped += 1
        case .rejected(let reason): reject(reason)
        }
        records += 1
    }

    /// Moves a mapped record to the rejected ones (its events are not what the pipeline accepts).
    mutating func rejectMapped(_ reason: String) {
        mapped -= 1
        reject(reason)
    }
}
