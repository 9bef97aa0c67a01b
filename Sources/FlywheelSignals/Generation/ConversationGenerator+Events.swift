/// The seven event types of the input contract.
enum GeneratedEventKind: UInt8, Sendable {
    case prompt, response, feedback, regenerate, copy, choice, error
}

/// How an extra malformed line violates the input contract.
enum GeneratedMutation: UInt8, Sendable, CaseIterable {
    case none
    case truncated
    case notAnObject
    case invalidUTF8
    case nanLatency
    case timestampAsNumber
    case missingConversation
    case missingRequired
    case impossibleTimestamp
    case missingZone
    case unknownType
    case emptyEventID
    case invalidValue
}

/// Text of a prompt or response, as indexes into ``GeneratorCorpus`` pieces.
struct GeneratedText: Sendable {
    /// 0 = no text, 1 = prompt pieces, 2 = response pieces.
    var kind: UInt8 = 0
    var lead: UInt16 = 0
    var body: UInt16 = 0
    var tail: UInt16 = 0
}

/// One line to write: a logical event, or a malformed line derived from one.
///
/// Id fields use `-1` for "absent" and `-2` for an empty string; `user` uses `-3` for JSON `null`.
/// Encoding is a pure function of this value, so re-encoding a stored event yields the same bytes.
struct GeneratedEvent: Sendable {
    var kind: GeneratedEventKind
    var mutation: GeneratedMutation = .none
    /// Index into ``GeneratorCorpus/models``; `-1` absent, `-2` empty string.
    var model: Int8 = -1
    /// 0 absent, 1 empty, 2 control, 3 treatment.
    var variant: UInt8 = 0
    /// 0 absent, 1 up, 2 down, 3 an invalid rating.
    var rating: UInt8 = 0
    /// Index into ``GeneratorCorpus/offsets`` (0 = `Z`).
    var offset: UInt8 = 0
    /// 0 milliseconds, 1 microseconds (extra digits), 2 lowercase `t`/`z`.
    var timeStyle: UInt8 = 0
    /// Index into ``GeneratorCorpus/clients``; 0 writes no `client` field.
    var client: UInt8 = 0
    var text = GeneratedText()
    /// Index into ``GeneratorCorpus/comments``; `-1` absent.
    var comment: Int16 = -1
    /// Index into ``GeneratorCorpus/errorCodes``; `-1` absent.
    var errorCode: Int16 = -1
    var id: Int = 0
    var timestamp: Int64 = 0
    var conversation: Int = 0
    var user: Int = -1
    var message: Int = -1
    var parent: Int = -1
    var rejected: Int = -1
    /// Latency in tenths of a millisecond.
    var latencyTenths: Int?
    var tokensIn: Int?
    var tokensOut: Int?
}

/// A line waiting in the reorder buffer until its arrival time.
struct GeneratorPendingLine: Sendable {
    var arrival: Int64
    var sequence: Int
    var event: GeneratedEvent
}

/// Min-heap of pending lines ordered by (arrival, sequence): the bounded reorder buffer.
struct GeneratorPendingQueue: Sendable {
    private var items: [GeneratorPendingLine] = []

    var count: Int { items.count }
    var minimumArrival: Int64? { items.first?.arrival }

    mutating func push(_ line: GeneratorPendingLine) {
        items.append(line)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> GeneratorPendingLine? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        siftDown()
        return top
    }

    private mutating func siftDown() {
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < items.count else { return }
            let right = left + 1
            let child = right < items.count && Self.precedes(items[right], items[left]) ? right : left
            guard Self.precedes(items[child], items[parent]) else { return }
            items.swapAt(child, parent)
            parent = child
        }
    }

    private static func precedes(_ lhs: GeneratorPendingLine, _ rhs: GeneratorPendingLine) -> Bool {
        lhs.arrival != rhs.arrival ? lhs.arrival < rhs.arrival : lhs.sequence < rhs.sequence
    }
}

extension GeneratedEvent {
    /// Applies the data-level part of `mutation` (missing or invalid fields); the encoder applies the rest.
    mutating func damage() {
        switch mutation {
        case .missingConversation: conversation = -1
        case .missingRequired: dropRequiredField()
        case .invalidValue: corruptField()
        default: break
        }
    }

    private mutating func dropRequiredField() {
        switch kind {
        case .prompt: text = GeneratedText()
        case .response: latencyTenths = nil
        case .feedback: rating = 0
        case .regenerate, .copy: parent = -1
        case .choice: rejected = -1
        case .error: model = -1
        }
    }

    private mutating func corruptField() {
        switch kind {
        case .prompt: message = -2
        case .response:
            if id % 2 == 0 { latencyTenths = -50 } else { tokensOut = -3 }
        case .feedback:
            if id % 2 == 0 { rating = 3 } else { comment = -2 }
        case .regenerate: parent = -2
        case .copy: model = -2
        case .choice: rejected = parent
        case .error: errorCode = -2
        }
    }
}
