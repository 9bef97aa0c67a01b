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
        var type: ChatEventType
        var time: EventTime
        /// The six ids' UTF-8 (well-formed), and the model's and the variant's names', one after another in
        /// memory this storage owns, as the text's: a decoder copies them from the line (no String, no allocation
        /// once the storage has room), a shard reads them in place (`withId`), and a String is made only where one
        /// is kept (a new key of a table).
        private var idBase: UnsafeMutablePointer<UInt8>?
        private var idCapacity = 0
        private var idCount = 0
        /// Where each id's bytes are (`EventIdField`).
        private var idSpans = EventIdSpans()
        /// The model's and the variant's names are kept as the ids are (`EventIdField.model`, `.variant`): a
        /// name longer than a small String's 15 bytes was a String allocated per event, which the shard then
        /// counted references to on another core.
        var model: String? { id(.model) }
        /// "default" when the event was made without one (the decoder writes "default" for an absent or empty one).
        var variant: String { id(.variant) ?? "default" }
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
            type: ChatEventType, time: EventTime, text: String?, latencyMs: Double?, tokensIn: Int64,
            tokensOut: Int64, rating: Rating?, origin: EventOrigin
        ) {
            self.type = type
            self.time = time
            self.latencyMs = latencyMs
            self.tokensIn = tokensIn
            self.tokensOut = tokensOut
            self.rating = rating
            self.origin = origin
            self.text = text
        }

        func copy() -> Storage {
            let copy = Storage(
                type: type, time: time, text: nil, latencyMs: latencyMs, tokensIn: tokensIn, tokensOut: tokensOut,
                rating: rating, origin: origin)
            copy.textPIICount = textPIICount
            withTextUTF8 { copy.setText(utf8: $0) }
            copy.beginIds(capacity: idCount)
            if idCount > 0 { copy.idBase!.initialize(from: idBase!, count: idCount) }
            (copy.idSpans, copy.idCount) = (idSpans, idCount)
            return copy
        }

        deinit {
            textBase?.deallocate()
            idBase?.deallocate()
        }

        // MARK: Ids

        /// Calls `body` with the UTF-8 of the id `field`, or with nil when the event has none. The bytes are
        /// valid inside `body` only.
        @inline(__always)
        func withId<R>(_ field: EventIdField, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
            body(unsafeId(field))
        }

        /// `storage` when one is given (handed back by a shard through a `ChatEventPool`, and referenced by
        /// nothing else), its fields all written anew, so that no allocation is made (the text's and ids' bytes go
        /// where the last event's were) and the values it held are released on this thread; otherwise (nil) a new
        /// storage. It has no text, no ids and no PII count: `fillText`, `beginIds` and `appendId` write them, and
        /// `ChatEvent(filled:)` makes the event.
        static func filled(
            reusing storage: __owned Storage?, type: ChatEventType, time: EventTime, latencyMs: Double?,
            tokensIn: Int64, tokensOut: Int64, rating: Rating?, origin: EventOrigin
        ) -> Storage {
            guard let storage else {
                return Storage(
                    type: type, time: time, text: nil, latencyMs: latencyMs, tokensIn: tokensIn, tokensOut: tokensOut,
                    rating: rating, origin: origin)
            }
            storage.type = type
            storage.time = time
            storage.setText(utf8: nil)
            storage.latencyMs = latencyMs
            storage.tokensIn = tokensIn
            storage.tokensOut = tokensOut
            storage.rating = rating
            storage.origin.reuse(for: origin)
            storage.textPIICount = nil
            return storage
        }

        /// The UTF-8 of the id `field`, nil when the event has none: valid only while this storage is alive and
        /// unchanged, for a reader that holds it for as long as it reads (an operator's input, `PairRules`), where
        /// nested `withId` closures would capture and retain what they read.
        @inline(__always)
        func unsafeId(_ field: EventIdField) -> UnsafeBufferPointer<UInt8>? {
            let span = idSpans[field]
            guard span != EventIdSpans.absent else { return nil }
            return UnsafeBufferPointer(start: idBase.map { $0 + Int(span >> 32) }, count: Int(span & 0xFFFF_FFFF))
        }

        /// The text's UTF-8, nil when there is none: valid as `unsafeId`'s bytes are.
        @inline(__always)
        var unsafeText: UnsafeBufferPointer<UInt8>? {
            hasText ? UnsafeBufferPointer(start: textBase, count: textCount) : nil
        }

        /// The id `field` as a String, nil when the event has none.
        func id(_ field: EventIdField) -> String? {
            withId(field) { $0.map { String(decoding: $0, as: UTF8.self) } }
        }

        /// Forgets the ids and makes room for `capacity` bytes of them (kept from the last event when it fits).
        func beginIds(capacity: Int) {
            idSpans = EventIdSpans()
            idCount = 0
            Self.makeRoom(&idBase, &idCapacity, for: capacity)
        }

        /// Room for `count` bytes at `base` (`capacity` of them now), in place when it has them: a pooled storage
        /// keeps its rooms across refills, rounded up to 64 bytes so that they seldom grow again. The bytes held
        /// are not kept.
        private static func makeRoom(_ base: inout UnsafeMutablePointer<UInt8>?, _ capacity: inout Int, for count: Int)
        {
            guard count > capacity else { return }
            base?.deallocate()
            capacity = Swift.max(64, (count + 63) & ~63)
            base = .allocate(capacity: capacity)
        }

        /// Sets the id `field` to the `count` bytes `write` writes and returns, given room for `capacity` (well-
        /// formed UTF-8), after the ids set since `beginIds`, whose capacity must hold them all.
        @inline(__always)
        func appendId(_ field: EventIdField, capacity: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
            precondition(idCount + capacity <= idCapacity, "ChatEvent: ids beyond the room made for them")
            let written = capacity == 0 ? 0 : write(idBase! + idCount)
            idSpans[field] = UInt64(idCount) << 32 | UInt64(written)
            idCount += written
        }

        /// Sets every id from Strings (events made in code: tests, tools, checkpoints); nil for none.
        func setIds(_ ids: [EventIdField: String?]) {
            var values: [[UInt8]?] = EventIdField.allCases.map { field in
                withId(field) { $0.map(Array.init) }
            }
            for (field, value) in ids { values[field.rawValue] = value.map { Array($0.utf8) } }
            beginIds(capacity: values.reduce(0) { $0 + ($1?.count ?? 0) })
            for field in EventIdField.allCases {
                guard let bytes = values[field.rawValue] else { continue }
                bytes.withUnsafeBufferPointer { bytes in
                    appendId(field, capacity: bytes.count) {
                        $0.initialize(from: bytes.baseAddress!, count: bytes.count)
                        return bytes.count
                    }
                }
            }
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

        private func reserveText(_ count: Int) { Self.makeRoom(&textBase, &textCapacity, for: count) }

        /// Lets the text's memory go (a long text's, so that a full pool holds a few megabytes at most).
        func releaseText() {
            textBase?.deallocate()
            (textBase, textCapacity, textCount, hasText) = (nil, 0, 0, false)
        }

        /// How many of a storage's first bytes a prefetch loads: all its fields (about 300 bytes).
        static let prefetchedBytes = 320

        /// Starts loading the first bytes of the text's room (256 at most), to be written by a decoder (see
        /// `ChatEventSpares`) or read by a shard.
        @inline(__always)
        func prefetchText(forWriting: Bool) {
            guard let textBase else { return }
            let count = Swift.min(forWriting ? textCapacity : textCount, 256)
            if count > 0 { Prefetch.bytes(textBase, count: count, forWriting: forWriting) }
        }

        /// Calls `body` with the text's UTF-8, or with nil when there is none.
        func withTextUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R { body(unsafeText) }
    }

    private var storage: Storage

    private mutating func mutableStorage() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    public var eventId: String {
        get { storage.id(.eventId)! }
        set { mutableStorage().setIds([.eventId: newValue]) }
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
        get { storage.id(.conversationId)! }
        set { mutableStorage().setIds([.conversationId: newValue]) }
    }
    public var userId: String? {
        get { storage.id(.userId) }
        set { mutableStorage().setIds([.userId: newValue]) }
    }
    public var messageId: String? {
        get { storage.id(.messageId) }
        set { mutableStorage().setIds([.messageId: newValue]) }
    }
    public var parentId: String? {
        get { storage.id(.parentId) }
        set { mutableStorage().setIds([.parentId: newValue]) }
    }
    public var rejectedId: String? {
        get { storage.id(.rejectedId) }
        set { mutableStorage().setIds([.rejectedId: newValue]) }
    }

    /// `StableHash.hash` of the conversation id, from its bytes.
    public var conversationHash: UInt64 { withId(.conversationId) { StableHash.hash(bytes: $0!) } }

    /// Calls `body` with the UTF-8 of the id `field` (nil when the event has none), read in place: the
    /// operators' way to ids, which makes no String (the properties above make one each time).
    @inline(__always)
    public func withId<R>(_ field: EventIdField, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        storage.withId(field, body)
    }
    /// Made from the bytes the event keeps, each time it is read: the operators read them in place
    /// (`withId(.model)`).
    public var model: String? {
        get { storage.model }
        set { mutableStorage().setIds([.model: newValue]) }
    }
    /// The experiment arm; "default" when absent or empty.
    public var variant: String {
        get { storage.variant }
        set { mutableStorage().setIds([.variant: newValue]) }
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
            type: type, time: time, text: text, latencyMs: latencyMs, tokensIn: tokensIn, tokensOut: tokensOut,
            rating: rating, origin: origin)
        storage.setIds([
            .eventId: eventId, .conversationId: conversationId, .userId: userId, .messageId: messageId,
            .parentId: parentId, .rejectedId: rejectedId, .model: model, .variant: variant,
        ])
    }

    /// The event whose storage `filled` made and the decoder filled (ids, text, raw line): it takes the one
    /// reference.
    init(filled storage: __owned Storage) {
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
        guard readyForPool() else { return }
        // Swapped out, then moved in: appending a copy and assigning `empty` retained and released the storage.
        var taken = empty
        swap(&taken, &storage)
        spare.append(consume taken)
    }

    /// `recycle(into:leaving:)` for an event done with: nothing is left in its place.
    consuming func recycle(into spare: inout [Storage]) {
        guard readyForPool() else { return }
        spare.append(storage)
    }

    /// Whether the storage can go to the pool (the event holds the one reference); a long text is let go first.
    @inline(__always)
    private mutating func readyForPool() -> Bool {
        guard isKnownUniquelyReferenced(&storage) else { return false }
        if storage.textCapacity > Self.longestPooledText { storage.releaseText() }
        return true
    }

    /// The longest text a pooled storage keeps until it is filled again (bytes).
    static let longestPooledText = 2048

    /// Starts loading the fields of the event at `event` for reading (see `Prefetch`), touching no reference
    /// count: the storage's address is read as a raw pointer.
    @inline(__always)
    static func prefetchFields(_ event: UnsafeRawPointer) {
        Prefetch.forReading(event.load(as: UnsafeRawPointer.self), bytes: Storage.prefetchedBytes)
    }

    /// Starts loading the first bytes of the text of the event at `event` for reading; reads the storage's
    /// fields (best loaded first, `prefetchFields`) but touches no reference count.
    @inline(__always)
    static func prefetchText(_ event: UnsafeRawPointer) {
        Unmanaged<Storage>.fromOpaque(event.load(as: UnsafeRawPointer.self))._withUnsafeGuaranteedRef {
            $0.prefetchText(forWriting: false)
        }
    }

    /// The storage, not retained: for a reader that holds the event while it reads (see
    /// `ConversationAccumulator.Input`), through `_withUnsafeGuaranteedRef`, in which method calls on the storage
    /// count no reference. An `unowned(unsafe)` reference counts one per call: the shard's reference counting
    /// fell from 15 % to 10 % of a replay's samples without it.
    var unmanagedFields: Unmanaged<Storage> { Unmanaged.passUnretained(storage) }

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
        let sameIds = EventIdField.allCases.allSatisfy { field in
            lhs.withId(field) { mine in
                rhs.withId(field) { theirs in
                    switch (mine, theirs) {
                    case (nil, nil): return true
                    case (let mine?, let theirs?): return mine.hasSameBytes(as: theirs)
                    default: return false
                    }
                }
            }
        }
        return sameIds
            && lhs.type == rhs.type
            && lhs.time == rhs.time
            && same(lhs.text, rhs.text)
            && lhs.latencyMs == rhs.latencyMs
            && lhs.tokensIn == rhs.tokensIn
            && lhs.tokensOut == rhs.tokensOut
            && lhs.rating == rhs.rating
            && lhs.origin == rhs.origin
    }
}

/// Which of an event's ids, or the model's or variant's name: they are kept as bytes (see `ChatEvent.withId`).
public enum EventIdField: Int, Sendable, CaseIterable {
    case eventId, conversationId, userId, messageId, parentId, rejectedId, model, variant
}

/// Where each of an event's ids lies in its storage's id bytes: the offset in the high half, the byte count in
/// the low half, `absent` when the event has none. Eight words in place, no array.
struct EventIdSpans {
    static let absent = UInt64.max
    private var eventId = absent
    private var conversationId = absent
    private var userId = absent
    private var messageId = absent
    private var parentId = absent
    private var rejectedId = absent
    private var model = absent
    private var variant = absent

    @inline(__always)
    subscript(field: EventIdField) -> UInt64 {
        get {
            switch field {
            case .eventId: return eventId
            case .conversationId: return conversationId
            case .userId: return userId
            case .messageId: return messageId
            case .parentId: return parentId
            case .rejectedId: return rejectedId
            case .model: return model
            case .variant: return variant
            }
        }
        set {
            switch field {
            case .eventId: eventId = newValue
            case .conversationId: conversationId = newValue
            case .userId: userId = newValue
            case .messageId: messageId = newValue
            case .parentId: parentId = newValue
            case .rejectedId: rejectedId = newValue
            case .model: model = newValue
            case .variant: variant = newValue
            }
        }
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
        // Room for the longest cut at once: lines differ in length, and room fitted to the first one would be
        // allocated again for many longer ones (7 % of a job's allocations on a generated log, measured).
        if rawBytes.capacity < Swift.min(line.count, RawText.inputLimit) {
            rawBytes.reserveCapacity(RawText.inputLimit)
        }
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
