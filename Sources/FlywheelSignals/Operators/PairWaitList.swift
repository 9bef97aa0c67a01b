import FlywheelEngine

/// The pairs of one conversation whose rule holds but whose texts are not all known yet
/// (CONTRACT 3.2), indexed so that an event looks only at the pairs it can complete and a deadline
/// only at the pairs of its own rule event.
///
/// A pair can be completed only by a response event for its chosen or rejected message, or by the
/// prompt event for the prompt its chosen response answers: it is watched under those message
/// slots. An index entry whose pair has gone, or no longer watches that slot, is skipped when read
/// and dropped; the index is rebuilt when such entries outnumber the live ones.
///
/// Most conversations have nothing waiting: the list then holds no storage at all (one nil
/// reference in the conversation's state), and it lets go of its storage whenever it empties.
struct PairWaitList: Sendable {
    struct Entry: Sendable {
        var pair: WaitingPair
        var chosen: Int
        var rejected: Int
        /// Slot of the prompt the chosen response answers, or -1 while that response is unknown.
        var prompt: Int

        func watches(_ slot: Int) -> Bool { slot == chosen || slot == rejected || slot == prompt }
    }

    /// A rule event: its id and time. An id forgotten by de-duplication (after `dedup_ttl`) can come
    /// again on a later event, which is another rule event with its own deadline and dead letter.
    private struct RuleKey: Hashable, Sendable {
        var id: ExactKey
        var time: Int64

        init(_ rule: RuleEvent) { self.init(id: rule.eventId, time: rule.time) }
        init(id: String, time: EventTime) {
            self.id = ExactKey(id)
            self.time = time.millis
        }
    }

    private struct RuleGroup: Sendable {
        /// Handles in the order the pairs started waiting; some may have completed since.
        var handles: [Int]
        var live: Int
    }

    /// Copy-on-write storage: mutated only through `mutable()`, which copies it unless this list
    /// holds the only reference; that is what makes sharing it across tasks safe.
    private final class Storage: @unchecked Sendable {
        /// Handles increase in the order pairs start waiting.
        var entries: [Int: Entry] = [:]
        var byRuleEvent: [RuleKey: RuleGroup] = [:]
        var watchers: [Int: [Int]] = [:]
        var watcherEntries = 0
        var nextHandle = 0

        init() {}

        init(copying other: Storage) {
            entries = other.entries
            byRuleEvent = other.byRuleEvent
            watchers = other.watchers
            watcherEntries = other.watcherEntries
            nextHandle = other.nextHandle
        }
    }

    private var storage: Storage?

    private mutating func mutable() -> Storage {
        if storage == nil {
            storage = Storage()
        } else if !isKnownUniquelyReferenced(&storage!) {
            storage = Storage(copying: storage!)
        }
        return storage!
    }

    var isEmpty: Bool { storage?.entries.isEmpty ?? true }
    var count: Int { storage?.entries.count ?? 0 }

    subscript(handle: Int) -> Entry { storage!.entries[handle]! }

    /// Every waiting pair, in the order they started waiting.
    var inOrder: [WaitingPair] {
        guard let storage else { return [] }
        return storage.entries.keys.sorted().map { storage.entries[$0]!.pair }
    }

    /// The first waiting pair of each rule event, in the order they started waiting.
    var firstPerRuleEvent: [WaitingPair] {
        guard let storage else { return [] }
        let firsts = storage.byRuleEvent.values.compactMap { group in
            group.handles.first { storage.entries[$0] != nil }
        }
        return firsts.sorted().map { storage.entries[$0]!.pair }
    }

    /// Adds a waiting pair; returns true when no other pair of its rule event is waiting (so the
    /// caller sets the event's deadline).
    mutating func add(_ entry: Entry) -> Bool {
        let storage = mutable()
        let handle = storage.nextHandle
        storage.nextHandle += 1
        storage.entries[handle] = entry
        for slot in Self.watchedSlots(entry) { Self.watch(slot, handle, in: storage) }
        let key = RuleKey(entry.pair.rule)
        guard storage.byRuleEvent[key] != nil else {
            storage.byRuleEvent[key] = RuleGroup(handles: [handle], live: 1)
            return true
        }
        storage.byRuleEvent[key]!.handles.append(handle)
        storage.byRuleEvent[key]!.live += 1
        return false
    }

    /// Removes and returns the pairs still waiting on the event `eventId` at `time`, in the order they started.
    mutating func expire(ruleEventId eventId: String, at time: EventTime) -> [WaitingPair] {
        let key = RuleKey(id: eventId, time: time)
        guard storage?.byRuleEvent[key] != nil else { return [] }
        let storage = mutable()
        let group = storage.byRuleEvent.removeValue(forKey: key)!
        let expired = group.handles.compactMap { storage.entries.removeValue(forKey: $0)?.pair }
        releaseIfEmpty()
        return expired
    }

    /// The handles of the pairs watching `slot`, in the order they started waiting; the slot's index
    /// entry is dropped, so each one must be `complete`d or `rewatch`ed.
    mutating func takeWatchers(of slot: Int) -> [Int] {
        guard storage?.watchers[slot] != nil else { return [] }
        let storage = mutable()
        let listed = storage.watchers.removeValue(forKey: slot)!
        storage.watcherEntries -= listed.count
        var handles: [Int] = []
        for handle in listed.count > 1 ? listed.sorted() : listed
        where handle != handles.last && storage.entries[handle]?.watches(slot) == true {
            handles.append(handle)
        }
        return handles
    }

    /// Removes a completed pair.
    mutating func complete(_ handle: Int) {
        let storage = mutable()
        guard let entry = storage.entries.removeValue(forKey: handle) else { return }
        let key = RuleKey(entry.pair.rule)
        if let live = storage.byRuleEvent[key]?.live {
            if live <= 1 { storage.byRuleEvent.removeValue(forKey: key) } else { storage.byRuleEvent[key]!.live -= 1 }
        }
        releaseIfEmpty()
    }

    /// Watches again a pair taken from `slot` that still waits, with its chosen response's prompt now `prompt`.
    mutating func rewatch(_ handle: Int, taken slot: Int, prompt: Int) {
        let storage = mutable()
        guard var entry = storage.entries[handle] else { return }
        let movedPrompt = entry.prompt != prompt
        entry.prompt = prompt
        storage.entries[handle] = entry
        if entry.watches(slot) { Self.watch(slot, handle, in: storage) }
        if movedPrompt && prompt >= 0 && prompt != slot && prompt != entry.chosen && prompt != entry.rejected {
            Self.watch(prompt, handle, in: storage)
        }
        if storage.watcherEntries > 4 * storage.entries.count + 64 { Self.rebuildWatchers(storage) }
    }

    private static func watch(_ slot: Int, _ handle: Int, in storage: Storage) {
        storage.watchers[slot, default: []].append(handle)
        storage.watcherEntries += 1
    }

    private static func watchedSlots(_ entry: Entry) -> [Int] {
        var slots = [entry.chosen]
        if entry.rejected != entry.chosen { slots.append(entry.rejected) }
        if entry.prompt >= 0 && !slots.contains(entry.prompt) { slots.append(entry.prompt) }
        return slots
    }

    private static func rebuildWatchers(_ storage: Storage) {
        storage.watchers = [:]
        storage.watcherEntries = 0
        for handle in storage.entries.keys.sorted() {
            for slot in watchedSlots(storage.entries[handle]!) { watch(slot, handle, in: storage) }
        }
    }

    /// Nothing waits: every index entry is stale, so the storage goes.
    private mutating func releaseIfEmpty() {
        if storage?.entries.isEmpty == true { storage = nil }
    }
}
