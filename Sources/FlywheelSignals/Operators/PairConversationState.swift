import FlywheelEngine

/// Which rule made a preference pair hold (CONTRACT 3.2).
public enum PairSource: String, Sendable {
    case choice, feedback, regenerate
}

/// The event that made a pair rule hold, as needed to date the pair or dead-letter it.
struct RuleEvent: Sendable {
    var eventId: String
    var time: EventTime
    var type: ChatEventType
    var origin: EventOrigin
    /// The input element after which the event was released (its arrival; for an event released
    /// behind the watermark, the element that next moved W), so its dead letter never sorts before it.
    var sequence: Int64
}

/// A pair whose rule holds but whose texts are not all known yet.
struct WaitingPair: Sendable {
    var chosen: String
    var rejected: String
    var source: PairSource
    var rule: RuleEvent
}

/// What one conversation's pair logic remembers (CONTRACT 3.2): prompt and response texts (the
/// latest per message id in event-time order), latest ratings, regenerated responses, the pairs
/// already claimed and the pairs still waiting.
///
/// Messages are numbered by slot in the order their ids are first seen. Conversations hold a
/// handful of messages, so they live in one array searched linearly; past `indexThreshold` messages
/// an id index and the responses grouped by prompt keep every look-up independent of the
/// conversation's length.
///
/// A message's id and text are bytes in the conversation's `arena`, copied from the event: the state holds
/// no String of the event's, so the event's strings are let go on the thread that made them (see
/// `ChatEventPool`) and no reference count is shared between cores.
struct PairConversationState: Sendable {
    /// A response's text and model.
    struct Response: Sendable {
        var text: String
        var model: String
    }

    /// A message is a prompt, a response, or neither yet (an id that only a rating, a regeneration or a
    /// choice named so far). Its id and text (one for either kind) are bytes in the arena, the text right
    /// after the id, so that one offset finds both; a response names the prompt it answers by that prompt's
    /// slot (its id is there) and its model by its place in the conversation's models, and the hash searches
    /// compare first sits in the message: 32 bytes a message, in one array per conversation.
    struct Message: Sendable {
        private enum Kind: UInt8, Sendable { case unknown, prompt, response }

        /// Where the id's bytes start in the arena; the text's follow them.
        fileprivate(set) var idOffset: Int
        fileprivate(set) var idCount: UInt32
        fileprivate(set) var textCount: UInt32 = 0
        /// The slot of the prompt a response answers (-1 unless a response). A slot stands for one id for
        /// the conversation's life, so comparing slots compares prompt ids exactly.
        private(set) var promptSlot: Int32 = -1
        private var order: Int32 = 0
        /// A response's model: its place among the conversation's `models` (0 unless a response).
        private(set) var model: UInt32 = 0
        /// The low 16 bits of the stable hash of the id: searches compare them before the bytes, which decide.
        private(set) var idHash: UInt16
        /// The kind (bits 0-1), the latest rating (bits 2-3: none, up, down) and whether regenerated (bit 4),
        /// in one byte.
        private var flags: UInt8 = 0

        /// Where the text's bytes start in the arena: right after the id's (its count is 0 while neither prompt
        /// nor response).
        var textOffset: Int { idOffset + Int(idCount) }

        fileprivate init(idOffset: Int, idCount: Int, idHash: UInt16) {
            self.idOffset = idOffset
            self.idCount = UInt32(truncatingIfNeeded: idCount)
            self.idHash = idHash
        }

        /// The 16-bit search hash of an id: every byte mixed in, eight at a time (a multiply per word). It only
        /// filters the byte comparisons and lives in memory only (a restored state computes it again), so it
        /// need not be `StableHash`, whose FNV-1a takes a multiply per byte: 36-byte ids cost 36 in a row.
        static func hash(_ id: UnsafeBufferPointer<UInt8>) -> UInt16 {
            guard let base = id.baseAddress, !id.isEmpty else { return 0 }
            let raw = UnsafeRawPointer(base)
            let count = id.count
            let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
            var h = UInt64(truncatingIfNeeded: count) &* multiplier
            var offset = 0
            while count - offset > 8 {
                h = (h ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* multiplier
                h ^= h >> 29
                offset += 8
            }
            // The last one to eight bytes: the last eight of the id when it has them (overlapping the words
            // above), else its bytes one by one.
            var tail: UInt64 = 0
            if count >= 8 {
                tail = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            } else {
                for index in 0..<count { tail |= UInt64(id[index]) << (8 * UInt64(index)) }
            }
            h = (h ^ tail) &* multiplier
            h ^= h >> 32
            return UInt16(truncatingIfNeeded: h)
        }

        private var kind: Kind {
            get { Kind(rawValue: flags & 0b11)! }
            set { flags = flags & ~0b11 | newValue.rawValue }
        }

        var rating: Rating? {
            get {
                switch flags >> 2 & 0b11 {
                case 1: return .up
                case 2: return .down
                default: return nil
                }
            }
            set { flags = flags & ~0b1100 | (newValue == nil ? 0 : newValue == .up ? 1 : 2) << 2 }
        }

        var regenerated: Bool {
            get { flags & 0b1_0000 != 0 }
            set { flags = newValue ? flags | 0b1_0000 : flags & ~0b1_0000 }
        }

        var isPrompt: Bool { kind == .prompt }
        var isResponse: Bool { kind == .response }
        /// Latest rating up: can be chosen.
        var isUp: Bool { flags >> 2 & 0b11 == 1 }
        /// Latest rating down, or regenerated: can be rejected.
        var isDownOrRegenerated: Bool { flags >> 2 & 0b11 == 2 || regenerated }

        /// Makes the message a prompt whose text is the `count` bytes after its id (and no longer a response).
        fileprivate mutating func setPrompt(textCount count: Int) {
            (textCount, model, promptSlot) = (UInt32(truncatingIfNeeded: count), 0, -1)
            kind = .prompt
        }

        /// Makes the message a response (and no longer a prompt) to the prompt in `promptSlot`, by the model
        /// in place `model` of the conversation's models, whose text is the `count` bytes after its id.
        fileprivate mutating func setResponse(textCount count: Int, model: Int, promptSlot: Int) {
            textCount = UInt32(truncatingIfNeeded: count)
            self.model = UInt32(truncatingIfNeeded: model)
            self.promptSlot = Int32(truncatingIfNeeded: promptSlot)
            kind = .response
        }

        /// Order in which the response was first seen, for stable sibling order.
        var responseOrder: Int {
            get { Int(order) }
            set { order = Int32(clamping: newValue) }
        }
    }

    /// The messages' ids and texts, each text right after its id. A text stored for a message whose id is not
    /// the arena's last bytes (its id came earlier, by a rating or as a prompt id, or the message is sent again)
    /// comes after a new copy of the id, and the old bytes stay behind until they outweigh the live ones
    /// (`garbage`); then the arena is rebuilt with the live bytes only.
    private var arena: [UInt8] = []
    private var garbage = 0

    /// The models of the conversation's responses: a message names its model by place, so a model is held
    /// once per conversation, not once per response.
    private var models = FirstSeenStrings()

    /// The response in `slot`, nil unless the message is a response.
    func response(at slot: Int) -> Response? {
        guard messages[slot].isResponse else { return nil }
        return Response(text: text(at: slot), model: models[Int(messages[slot].model)])
    }

    /// The prompt's text in `slot`, nil unless the message is a prompt.
    func promptText(at slot: Int) -> String? {
        messages[slot].isPrompt ? text(at: slot) : nil
    }

    /// The id of the message in `slot`.
    func id(at slot: Int) -> String {
        string(at: messages[slot].idOffset, count: Int(messages[slot].idCount))
    }

    /// The text of the message in `slot` ("" while neither prompt nor response).
    private func text(at slot: Int) -> String {
        string(at: messages[slot].textOffset, count: Int(messages[slot].textCount))
    }

    private func string(at offset: Int, count: Int) -> String {
        arena.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[offset..<offset + count]), as: UTF8.self)
        }
    }

    static let indexThreshold = 24

    /// Room for a short conversation's messages (two turns) is made at the first, so the array is not
    /// regrown message by message; longer ones grow by half (6, 9, ...), not by doubling: reserving 8 at
    /// once cost an open conversation 235 more bytes (`flywheel bench state`).
    private(set) var messages: [Message] = []

    init() {}
    /// Nil (no allocation, one word) until the conversation passes `indexThreshold` messages.
    private var long: LongIndex?
    var claimed = PairKeySet()
    /// Responses first seen so far (their `responseOrder`s); 32 bits, beside the claimed pairs' count.
    private var responsesSeen: Int32 = 0
    var waits = PairWaitList()
    var lastTime = EventTime.min

    private var isIndexed: Bool { long != nil }

    /// A long conversation's message index and response groups, in one box: two words less for every other
    /// conversation. Shared by copies (a checkpoint's snapshot) until one of them changes it (then copied).
    private final class LongIndex: @unchecked Sendable {
        // Changed only through `PairConversationState.changeLong`, once the box has one reference.
        var index: [ExactKey: Int]
        var groups: PairResponseGroups

        init(index: [ExactKey: Int], groups: PairResponseGroups) {
            self.index = index
            self.groups = groups
        }
    }

    /// Changes the long conversation's index or groups (copied first if shared); nothing when not indexed.
    private mutating func changeLong(_ body: (LongIndex) -> Void) {
        guard var box = long else { return }
        long = nil  // so that `box` is its one reference unless a copy of the state holds it
        if !isKnownUniquelyReferenced(&box) { box = LongIndex(index: box.index, groups: box.groups) }
        body(box)
        long = box
    }

    // MARK: The arena

    /// Copies `bytes` to the end of the arena (none for nil); returns where they start and how many there are.
    private mutating func store(utf8 bytes: UnsafeBufferPointer<UInt8>?) -> (offset: Int, count: Int) {
        let offset = arena.count
        guard let bytes, !bytes.isEmpty else { return (offset, 0) }
        reserveArena(bytes.count)
        arena.append(contentsOf: bytes)
        return (offset, bytes.count)
    }

    /// Room for `extra` more bytes in the arena: an event's ids and text are reserved at once, so that a new
    /// message grows the arena once, not once for its id and again for its text.
    private mutating func reserveArena(_ extra: Int) {
        arena.reserveGrowingByHalf(toHold: arena.count + extra)
    }

    /// Stores `text` (nil: none) as the text of the message in `slot`, whose id's UTF-8 is `id`, right after its
    /// id; returns the text's byte count. When the message's id and text are the arena's last bytes, the text
    /// replaces the old one in place; else the id is copied again to the arena's end, followed by the text, and the
    /// old id and text count as garbage.
    private mutating func storeText(_ text: UnsafeBufferPointer<UInt8>?, of slot: Int, id: UnsafeBufferPointer<UInt8>)
        -> Int
    {
        let (offset, idCount, oldCount) = (
            messages[slot].idOffset, Int(messages[slot].idCount), Int(messages[slot].textCount)
        )
        let count = text?.count ?? 0
        if offset + idCount + oldCount == arena.count {
            if oldCount > 0 { arena.removeLast(oldCount) }
            reserveArena(count)
        } else {
            garbage += idCount + oldCount
            reserveArena(idCount + count)
            messages[slot].idOffset = arena.count
            arena.append(contentsOf: id)
        }
        if let text, count > 0 { arena.append(contentsOf: text) }
        return count
    }

    /// Bytes in the arena, live or replaced (tests).
    var arenaByteCount: Int { arena.count }

    /// Rebuilds the arena with the live ids and texts once replaced ones outweigh them.
    private mutating func compactIfWasteful() {
        guard garbage >= 1024 && garbage * 2 > arena.count else { return }
        var kept: [UInt8] = []
        kept.reserveCapacity(arena.count - garbage)
        arena.withUnsafeBufferPointer { old in
            for slot in messages.indices {
                let (start, count) = (
                    messages[slot].idOffset, Int(messages[slot].idCount) + Int(messages[slot].textCount)
                )
                messages[slot].idOffset = kept.count
                kept.append(contentsOf: old[start..<start + count])
            }
        }
        arena = kept
        garbage = 0
    }

    /// Whether the id in `slot` is exactly `id`'s bytes (code points, CONTRACT 1).
    private func hasId(_ slot: Int, _ id: UnsafeBufferPointer<UInt8>, in arena: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = messages[slot].idOffset
        return UnsafeBufferPointer(rebasing: arena[start..<start + Int(messages[slot].idCount)]).hasSameBytes(as: id)
    }

    // MARK: Messages

    /// A message read from a checkpoint, before its slots are known.
    struct RestoredMessage {
        var id: String
        var promptText: String?
        var rating: Rating?
        var regenerated: Bool
        var responseOrder: Int
    }

    /// Replaces the messages with restored ones (checkpoint restore); `promptIds` names, for each restored
    /// response's slot, the id of the prompt it answers (a slot is made for an id no message has).
    mutating func restoreMessages(
        _ restored: [RestoredMessage], responses: [(slot: Int, text: String, model: String, promptId: String)]
    ) {
        (messages, arena, garbage, long) = ([], [], 0, nil)
        var slots: [ExactKey: Int] = [:]
        for message in restored {
            let slot = append(id: message.id)
            if slots[ExactKey(message.id)] == nil { slots[ExactKey(message.id)] = slot }
            if let text = message.promptText {
                messages[slot].setPrompt(textCount: storeText(text, of: slot))
            }
            messages[slot].rating = message.rating
            messages[slot].regenerated = message.regenerated
            messages[slot].responseOrder = message.responseOrder
        }
        for response in responses {
            let prompt =
                slots[ExactKey(response.promptId)]
                ?? {
                    let slot = append(id: response.promptId)
                    slots[ExactKey(response.promptId)] = slot
                    return slot
                }()
            let model = models.place(of: response.model)
            messages[response.slot].setResponse(
                textCount: storeText(response.text, of: response.slot), model: model, promptSlot: prompt)
        }
        responsesSeen = Int32(clamping: messages.map(\.responseOrder).max() ?? 0)
        if messages.count > Self.indexThreshold { buildIndex() }
    }

    /// `storeText(_:of:id:)` from Strings (checkpoint restore).
    private mutating func storeText(_ text: String, of slot: Int) -> Int {
        var (text, id) = (text, self.id(at: slot))
        return text.withUTF8 { text in id.withUTF8 { storeText(text, of: slot, id: $0) } }
    }

    /// Appends a message for `id` (no index update); returns its slot.
    private mutating func append(id: String) -> Int {
        var id = id
        return id.withUTF8 { append(id: $0) }
    }

    /// Appends a message for the id whose UTF-8 is `id` (no index update); returns its slot.
    private mutating func append(id: UnsafeBufferPointer<UInt8>, hash: UInt16? = nil) -> Int {
        let stored = store(utf8: id)
        messages.appendGrowingByHalf(
            Message(idOffset: stored.offset, idCount: stored.count, idHash: hash ?? Message.hash(id)), minimum: 4)
        return messages.count - 1
    }

    /// The id of the prompt the response in `slot` answers, nil unless it is a response.
    func promptId(ofResponse slot: Int) -> String? {
        messages[slot].isResponse ? id(at: Int(messages[slot].promptSlot)) : nil
    }

    /// The message whose id's UTF-8 is `id`, nil when unknown.
    func find(utf8 id: UnsafeBufferPointer<UInt8>) -> Int? {
        if let long { return long.index[ExactKey(utf8: id)] }
        return find(utf8: id, hash: Message.hash(id))
    }

    /// `find(utf8:)` in the messages searched linearly, given the id's `Message.hash`.
    private func find(utf8 id: UnsafeBufferPointer<UInt8>, hash: UInt16) -> Int? {
        arena.withUnsafeBufferPointer { arena in
            var index = 0
            while index < messages.count {
                if messages[index].idHash == hash && hasId(index, id, in: arena) { return index }
                index += 1
            }
            return nil
        }
    }

    /// The message with `id`, created empty when unknown (restoring a checkpoint's waiting pairs).
    mutating func slot(_ id: String) -> Int {
        var id = id
        return id.withUTF8 { slot(utf8: $0) }
    }

    /// The message whose id's UTF-8 is `id`, created empty when unknown.
    mutating func slot(utf8 id: UnsafeBufferPointer<UInt8>) -> Int {
        // Hashed once, for the search and for a new message.
        let hash = Message.hash(id)
        let existing = if let long { long.index[ExactKey(utf8: id)] } else { find(utf8: id, hash: hash) }
        if let existing { return existing }
        let slot = append(id: id, hash: hash)
        if isIndexed {
            changeLong { $0.index[ExactKey(utf8: id)] = slot }
        } else if messages.count > Self.indexThreshold {
            buildIndex()
        }
        return slot
    }

    private mutating func buildIndex() {
        long = LongIndex(
            index: Dictionary(
                messages.indices.map { (ExactKey(id(at: $0)), $0) }, uniquingKeysWith: { first, _ in first }),
            groups: PairResponseGroups())
        for slot in messages.indices { regroup(slot) }
    }

    /// Puts the response in `slot` where its rating and regeneration say, in its prompt's group.
    private mutating func regroup(_ slot: Int) {
        guard isIndexed, messages[slot].isResponse else { return }
        let (prompt, up, down) = (
            Int(messages[slot].promptSlot), messages[slot].isUp, messages[slot].isDownOrRegenerated
        )
        changeLong { $0.groups.place(slot, prompt: prompt, up: up, downOrRegenerated: down) }
    }

    /// Records a prompt from the UTF-8 of its id and text (nil: none, read as ""). A message id names one message,
    /// the latest event with it (CONTRACT 3.2): a prompt that reuses a response's id ends that response, and a
    /// response that reuses a prompt's id ends that prompt.
    @discardableResult
    mutating func recordPrompt(id: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>?) -> Int {
        reserveArena(id.count + (text?.count ?? 0))
        let at = slot(utf8: id)
        if messages[at].isResponse {
            let prompt = Int(messages[at].promptSlot)
            changeLong { $0.groups.remove(at, prompt: prompt) }
        }
        messages[at].setPrompt(textCount: storeText(text, of: at, id: id))  // and no longer a response
        compactIfWasteful()
        return at
    }

    /// Records a response from the UTF-8 of its id, text (nil: none, read as ""), model and prompt id; the prompt id
    /// gets a slot if it has none yet.
    mutating func recordResponse(
        id: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>?, model: UnsafeBufferPointer<UInt8>,
        promptId: UnsafeBufferPointer<UInt8>
    ) -> Int {
        reserveArena(id.count + promptId.count + (text?.count ?? 0))
        let at = slot(utf8: id)
        let prompt = slot(utf8: promptId)
        if messages[at].isResponse {
            let answered = Int(messages[at].promptSlot)
            if answered != prompt { changeLong { $0.groups.remove(at, prompt: answered) } }
        } else {
            responsesSeen = responsesSeen == .max ? .max : responsesSeen + 1
            messages[at].responseOrder = Int(responsesSeen)
        }
        let model = models.place(utf8: model)
        // And no longer a prompt.
        messages[at].setResponse(textCount: storeText(text, of: at, id: id), model: model, promptSlot: prompt)
        compactIfWasteful()
        regroup(at)
        return at
    }

    /// Records the rating of the message whose id's UTF-8 is `id`.
    mutating func setRating(_ rating: Rating, of id: UnsafeBufferPointer<UInt8>) -> Int {
        let at = slot(utf8: id)
        messages[at].rating = rating
        regroup(at)
        return at
    }

    /// Marks the message whose id's UTF-8 is `id` regenerated.
    mutating func markRegenerated(_ id: UnsafeBufferPointer<UInt8>) -> Int {
        let at = slot(utf8: id)
        messages[at].regenerated = true
        regroup(at)
        return at
    }

    /// The other seen responses to the same prompt as the response in `slot` that are of `kind`, in
    /// the order they were first seen.
    func siblings(of slot: Int, _ kind: PairResponseGroups.Kind) -> [Int] {
        guard messages[slot].isResponse else { return [] }
        var found: [Int] = []
        let prompt = messages[slot].promptSlot
        if let long {
            for other in long.groups.members(of: Int(prompt), kind) where other != slot { found.append(other) }
        } else {
            for other in messages.indices where other != slot && messages[other].promptSlot == prompt {
                // A slot that answers a prompt is a response.
                guard Self.isKind(kind, messages[other]) else { continue }
                found.append(other)
            }
        }
        if found.count > 1 { found.sort { messages[$0].responseOrder < messages[$1].responseOrder } }
        return found
    }

    private static func isKind(_ kind: PairResponseGroups.Kind, _ message: borrowing Message) -> Bool {
        switch kind {
        case .up: return message.isUp
        case .downOrRegenerated: return message.isDownOrRegenerated
        }
    }

    /// The slot of the prompt that the response in `slot` answers, or -1 while that response is unknown.
    func promptSlot(ofResponse slot: Int) -> Int {
        messages[slot].isResponse ? Int(messages[slot].promptSlot) : -1
    }

    /// The slot of a pair's prompt when its texts are all known and both responses answer that prompt; else nil.
    func resolvedPrompt(chosen: Int, rejected: Int) -> Int? {
        let prompt = Int(messages[chosen].promptSlot)
        guard messages[chosen].isResponse, messages[rejected].isResponse,
            messages[rejected].promptSlot == messages[chosen].promptSlot, messages[prompt].isPrompt
        else { return nil }
        return prompt
    }

    /// Calls `body` with the UTF-8 of the text in `slot` (empty while neither prompt nor response), in place.
    func withText<R>(at slot: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let (offset, count) = (messages[slot].textOffset, Int(messages[slot].textCount))
        return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[offset..<offset + count])) }
    }

    /// The model of the response in `slot` ("" unless a response).
    func model(ofResponse slot: Int) -> String {
        messages[slot].isResponse ? models[Int(messages[slot].model)] : ""
    }
}
