import FlywheelEngine

/// The kind of an interaction event (CONTRACT section 1).
public enum ChatEventType: String, Sendable, CaseIterable, Codable {
    case prompt, response, feedback, regenerate, copy, choice, error

    /// Whether model_quality counts this type (when `model` is set).
    public var countsForModelQuality: Bool {
        switch self {
        case .response, .feedback, .regenerate, .copy, .error: return true
        case .prompt, .choice: return false
        }
    }
}

public enum Rating: String, Sendable, Codable {
    case up, down
}

/// One validated interaction event. Optional fields are nil when absent or null.
///
/// A value type with copy-on-write storage: events are copied many times on their way through the
/// pipeline (batches, routing, buffers), and a copy costs one reference count, not sixteen fields.
public struct ChatEvent: Sendable, Equatable {
    // Mutated only through `mutableStorage()`, which copies it first unless uniquely referenced,
    // so no two events ever share a storage that changes.
    final class Storage: @unchecked Sendable {
        var eventId: String
        var type: ChatEventType
        var time: EventTime
        var conversationId: String
        var userId: String?
        var messageId: String?
        var parentId: String?
        var rejectedId: String?
        var model: String?
        var variant: String
        /// The text's UTF-8 (well-formed), `textCount` bytes at `textBase`, when `hasText`. Memory this storage
        /// owns, not an array: a shard reading the bytes touches no reference count that the decoder filling
        /// the storage again would then find on another core's cache line. A pooled storage filled again keeps
        /// the room (`textCapacity`), so that decoding a text allocates nothing; no String is made of it
        /// unless asked (`text`), as the operators copy the bytes they keep.
        private var textBase: UnsafeMutablePointer<UInt8>?
        private(set) var textCapacity = 0
        private var textCount = 0
        private var hasText = false
        var latencyMs: Double?
        var tokensIn: Int64
        var tokensOut: Int64
        var rating: Rating?
        var origin: EventOrigin
        var textPIICount: Int?

        init(
            eventId: String, type: ChatEventType, time: EventTime, conversationId: String, userId: String?,
            messageId: String?, parentId: String?, rejectedId: String?, model: String?, variant: String, text: String?,
            latencyMs: Double?, tokensIn: Int64, tokensOut: Int64, rating: Rating?, origin: EventOrigin
        ) {
            self.eventId = eventId
            self.type = type
            self.time = time
            self.conversationId = conversationId
            self.userId = userId
            self.messageId = messageId
            self.parentId = parentId
            self.rejectedId = rejectedId
            self.model = model
            self.variant = variant
            self.latencyMs = latencyMs
            self.tokensIn = tokensIn
            self.tokensOut = tokensOut
            self.rating = rating
            self.origin = origin
            self.text = text
        }

        func copy() -> Storage {
            let copy = Storage(
                eventId: eventId, type: type, time: time, conversationId: conversationId, userId: userId,
                messageId: messageId, parentId: parentId, rejectedId: rejectedId, model: model, variant: variant,
                text: nil, latencyMs: latencyMs, tokensIn: tokensIn, tokensOut: tokensOut, rating: rating,
                origin: origin)
            copy.textPIICount = textPIICount
            withTextUTF8 { copy.setText(utf8: $0) }
            return copy
        }

        deinit {
            textBase?.deallocate()
        }

        var text: String? {
            get { withTextUTF8 { $0.map { String(decoding: $0, as: UTF8.self) } } }
            set {
                guard var newValue else { return setText(utf8: nil) }
                newValue.withUTF8 { setText(utf8: $0) }
            }
        }

        /// Sets the text to `utf8` (well-formed UTF-8), in the room the last text had when it fits; nil for none.
        func setText(utf8: UnsafeBufferPointer<UInt8>?) {
            guard let utf8 else {
                hasText = false
                textCount = 0
                return
            }
            reserveText(utf8.count)
            if let source = utf8.baseAddress, let textBase { textBase.initialize(from: source, count: utf8.count) }
            textCount = utf8.count
            hasText = true
        }

        /// Sets the text to the `count` bytes `fill` writes and returns, given room for `capacity` (well-formed
        /// UTF-8), in the room the last text had when it fits.
        func fillText(capacity: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Int) {
            reserveText(capacity)
            textCount = capacity == 0 ? 0 : fill(textBase!)
            hasText = true
        }

        private func reserveText(_ count: Int) {
            guard count > textCapacity else { return }
            textBase?.deallocate()
            // Rounded up, so that a pooled storage seldom grows again.
            textCapacity = Swift.max(64, (count + 63) & ~63)
            textBase = .allocate(capacity: textCapacity)
        }

        /// Lets the text's memory go (a long text's, so that a full pool holds a few megabytes at most).
        func releaseText() {
            textBase?.deallocate()
            (textBase, textCapacity, textCount, hasText) = (nil, 0, 0, false)
        }

        /// Calls `body` with the text's UTF-8, or with nil when there is none.
        func withTextUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
            guard hasText else { return body(nil) }
            return body(UnsafeBufferPointer(start: textBase, count: textCount))
        }
    }

    private var storage: Storage

    private mutating func mutableStorage() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    public var eventId: String {
        get { storage.eventId }
        set { mutableStorage().eventId = newValue }
    }
    public var type: ChatEventType {
        get { storage.type }
        set { mutableStorage().type = newValue }
    }
    public var time: EventTime {
        get { storage.time }
        set { mutableStorage().time = newValue }
    }
    public var conversationId: String {
        get { storage.conversationId }
        set { mutableStorage().conversationId = newValue }
    }
    public var userId: String? {
        get { storage.userId }
        set { mutableStorage().userId = newValue }
    }
    public var messageId: String? {
        get { storage.messageId }
        set { mutableStorage().messageId = newValue }
    }
    public var parentId: String? {
        get { storage.parentId }
        set { mutableStorage().parentId = newValue }
    }
    public var rejectedId: String? {
        get { storage.rejectedId }
        set { mutableStorage().rejectedId = newValue }
    }
    public var model: String? {
        get { storage.model }
        set { mutableStorage().model = newValue }
    }
    /// The experiment arm; "default" when absent or empty.
    public var variant: String {
        get { storage.variant }
        set { mutableStorage().variant = newValue }
    }
    public var text: String? {
        get { storage.text }
        set {
            let storage = mutableStorage()
            storage.text = newValue
            storage.textPIICount = nil
        }
    }
    public var latencyMs: Double? {
        get { storage.latencyMs }
        set { mutableStorage().latencyMs = newValue }
    }
    public var tokensIn: Int64 {
        get { storage.tokensIn }
        set { mutableStorage().tokensIn = newValue }
    }
    public var tokensOut: Int64 {
        get { storage.tokensOut }
        set { mutableStorage().tokensOut = newValue }
    }
    public var rating: Rating? {
        get { storage.rating }
        set { mutableStorage().rating = newValue }
    }
    /// Where the event came from, for dead letters raised after acceptance.
    public var origin: EventOrigin {
        get { storage.origin }
        set { mutableStorage().origin = newValue }
    }
    /// E-mail addresses and phone numbers in `text` (`PIIRedactor.count`), when the decoder counted
    /// them: it does so while the text is in its core's cache. Nil when not counted; not part of
    /// equality (it follows from `text`). Setting `text` clears it.
    public var textPIICount: Int? {
        get { storage.textPIICount }
        set { mutableStorage().textPIICount = newValue }
    }

    public init(
        eventId: String, type: ChatEventType, time: EventTime, conversationId: String, userId: String? = nil,
        messageId: String? = nil, parentId: String? = nil, rejectedId: String? = nil, model: String? = nil,
        variant: String = "default", text: String? = nil, latencyMs: Double? = nil, tokensIn: Int64 = 0,
        tokensOut: Int64 = 0, rating: Rating? = nil, origin: EventOrigin = EventOrigin()
    ) {
        storage = Storage(
            eventId: eventId, type: type, time: time, conversationId: conversationId, userId: userId,
            messageId: messageId, parentId: parentId, rejectedId: rejectedId, model: model, variant: variant,
            text: text, latencyMs: latencyMs, tokensIn: tokensIn, tokensOut: tokensOut, rating: rating, origin: origin)
    }

    /// An event in `storage` when one is given (handed back by a shard through a `ChatEventPool`, and
    /// referenced by nothing else): its fields are all written anew, so no allocation is made (the text's bytes
    /// go where the last text's were) and the values it held are released on this thread. Otherwise (nil) a new
    /// storage. The event has no text: `Storage.fillText` writes one. `textPIICount`: see the property.
    init(
        reusing storage: Storage?, eventId: String, type: ChatEventType, time: EventTime, conversationId: String,
        userId: String?, messageId: String?, parentId: String?, rejectedId: String?, model: String?,
        variant: String, latencyMs: Double?, tokensIn: Int64, tokensOut: Int64,
        rating: Rating?, origin: EventOrigin, textPIICount: Int? = nil
    ) {
        guard let storage else {
            self.storage = Storage(
                eventId: eventId, type: type, time: time, conversationId: conversationId, userId: userId,
                messageId: messageId, parentId: parentId, rejectedId: rejectedId, model: model, variant: variant,
                text: nil, latencyMs: latencyMs, tokensIn: tokensIn, tokensOut: tokensOut, rating: rating,
                origin: origin)
            self.storage.textPIICount = textPIICount
            return
        }
        storage.eventId = eventId
        storage.type = type
        storage.time = time
        storage.conversationId = conversationId
        storage.userId = userId
        storage.messageId = messageId
        storage.parentId = parentId
        storage.rejectedId = rejectedId
        storage.model = model
        storage.variant = variant
        storage.setText(utf8: nil)
        storage.latencyMs = latencyMs
        storage.tokensIn = tokensIn
        storage.tokensOut = tokensOut
        storage.rating = rating
        storage.origin.reuse(for: origin)
        storage.textPIICount = textPIICount
        self.storage = storage
    }

    /// Moves this event's storage to the end of `spare` when nothing else references it, leaving the
    /// event holding `empty` (a storage its owner keeps a reference to, so it is never written). For a
    /// shard done with an event: see `ChatEventPool`.
    ///
    /// A text the event was the last to hold is freed when the decoder fills the storage again, so that its
    /// memory goes back on the thread that allocated it (no operator keeps an event's String: they copy the
    /// bytes they keep); a long one is let go now, so that a full pool holds a few megabytes at most whatever the
    /// texts' sizes. Other strings stay until the storage is filled again.
    @inline(__always)
    mutating func recycle(into spare: inout [Storage], leaving empty: Storage) {
        guard isKnownUniquelyReferenced(&storage) else { return }
        if storage.textCapacity > Self.longestPooledText { storage.releaseText() }
        spare.append(storage)
        storage = empty
    }

    /// The longest text a pooled storage keeps until it is filled again (bytes).
    static let longestPooledText = 2048

    /// Keeps the input line for `origin.raw` (see `EventOrigin.keepRawLine`).
    mutating func keepRawLine(_ line: UnsafeRawBufferPointer) {
        mutableStorage().origin.keepRawLine(line)
    }

    /// The storage itself, for a reader of fields that does not outlive the event (see
    /// `ConversationAccumulator.Input`).
    var fields: Storage { storage }

    /// Which storage the event is in (tests of `ChatEventPool`).
    var storageIdentity: ObjectIdentifier { ObjectIdentifier(storage) }

    /// A storage for `recycle(into:leaving:)`.
    static func emptyStorage() -> Storage {
        ChatEvent(eventId: "", type: .copy, time: .min, conversationId: "").storage
    }

    /// Field by field; strings by code points (CONTRACT 1), never by canonical equivalence.
    public static func == (lhs: ChatEvent, rhs: ChatEvent) -> Bool {
        if lhs.storage === rhs.storage { return true }
        func same(_ a: String?, _ b: String?) -> Bool {
            switch (a, b) {
            case (nil, nil): return true
            case (let a?, let b?): return a.isExactly(b)
            default: return false
            }
        }
        return lhs.eventId.isExactly(rhs.eventId)
            && lhs.type == rhs.type
            && lhs.time == rhs.time
            && lhs.conversationId.isExactly(rhs.conversationId)
            && same(lhs.userId, rhs.userId)
            && same(lhs.messageId, rhs.messageId)
            && same(lhs.parentId, rhs.parentId)
            && same(lhs.rejectedId, rhs.rejectedId)
            && same(lhs.model, rhs.model)
            && lhs.variant.isExactly(rhs.variant)
            && same(lhs.text, rhs.text)
            && lhs.latencyMs == rhs.latencyMs
            && lhs.tokensIn == rhs.tokensIn
            && lhs.tokensOut == rhs.tokensOut
            && lhs.rating == rhs.rating
            && lhs.origin == rhs.origin
    }
}

/// The source and position of an input record, and its raw text when a later dead letter may
/// need it (choice, feedback, regenerate and response events).
public struct EventOrigin: Sendable, Equatable {
    /// Index of the source partition (input file or topic partition).
    public var partition: Int
    /// 1-based line number for files, offset for topics.
    public var position: Int64
    /// The bytes `raw` comes from: the input line's first bytes (`keepRawLine`), cut when `raw` is read,
    /// or a raw text as given.
    private var rawBytes: [UInt8] = []
    private var rawKind = RawKind.none

    private enum RawKind: UInt8, Sendable {
        case none, line, text
    }

    public init(partition: Int = 0, position: Int64 = 0, raw: String? = nil) {
        self.partition = partition
        self.position = position
        self.raw = raw
    }

    /// The input line cut at 1 KiB (`RawText.cut`), kept only for events that can become unresolved
    /// references.
    public var raw: String? {
        get {
            switch rawKind {
            case .none: return nil
            case .line: return rawBytes.withUnsafeBytes { RawText.cut($0) }
            case .text: return String(decoding: rawBytes, as: UTF8.self)
            }
        }
        set {
            if let newValue {
                rawBytes = Array(newValue.utf8)
                rawKind = .text
            } else {
                rawBytes = []
                rawKind = .none
            }
        }
    }

    /// Keeps the first bytes of `line` that `raw` is cut from. The copy goes into the bytes this origin
    /// held before when nothing else references them (a decoder refilling a pooled event's storage), so
    /// it allocates nothing; the cut, which checks the UTF-8, is made only if a dead letter needs it.
    mutating func keepRawLine(_ line: UnsafeRawBufferPointer) {
        rawBytes.removeAll(keepingCapacity: true)
        rawBytes.append(
            contentsOf: UnsafeRawBufferPointer(rebasing: line[..<Swift.min(line.count, RawText.inputLimit)]))
        rawKind = .line
    }

    /// Becomes `origin`, keeping the capacity of its raw bytes when `origin` has no raw text.
    mutating func reuse(for origin: EventOrigin) {
        guard origin.rawKind == .none else {
            self = origin
            return
        }
        partition = origin.partition
        position = origin.position
        rawKind = .none
    }

    public static func == (lhs: EventOrigin, rhs: EventOrigin) -> Bool {
        lhs.partition == rhs.partition && lhs.position == rhs.position
            && (lhs.rawKind == .none && rhs.rawKind == .none || lhs.raw == rhs.raw)
    }
}
