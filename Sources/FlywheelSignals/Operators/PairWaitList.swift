import FlywheelEngine

/// The pairs of one conversation whose rule holds but whose texts are not all known yet
/// (CONTRACT 3.2), indexed so that an event looks only at the pairs it can complete and a deadline
/// only at the pairs of its own rule event.
///
/// A pair can be completed only by a response event for its chosen or rejected message, or by the
/// prompt event for the prompt its chosen response answers: it is watched under those message
/// slots. An index entry whose pair has gone, or no longer watches that slot, is skipped when read
/// and dropped; the index is rebuilt when such entries outnumber the live ones.
struct PairWaitList: Sendable {
    struct Entry: Sendable {
        var pair: WaitingPair
        var chosen: Int
        var rejected: Int
        /// Slot of the prompt the chosen response answers, or -1 while that response is unknown.
        var prompt: Int

        func watches(_ slot: Int) -> Bool { slot == chosen || slot == rejected || slot == prompt }
    }

    private struct RuleGroup: Sendable {
        /// Handles in the order the pairs started waiting; some may have completed since.
        var handles: [Int]
        var live: Int
    }

    /// Handles increase in the order pairs start waiting.
    private var entries: [Int: Entry] = [:]
    private var byRuleEvent: [ExactKey: RuleGroup] = [:]
    private var watchers: [Int: [Int]] = [:]
    private var watcherEntries = 0
    private var nextHandle = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    subscript(handle: Int) -> Entry { entries[handle]! }

    /// Every waiting pair, in the order they started waiting.
    var inOrder: [WaitingPair] { entries.keys.sorted().map { entries[$0]!.pair } }

    /// The first waiting pair of each rule event, in the order they started waiting.
    var firstPerRuleEvent: [WaitingPair] {
        byRuleEvent.values.compactMap { group in group.handles.first { entries[$0] != nil } }.sorted().map {
            entries[$0]!.pair
        }
    }

    /// Adds a waiting pair; returns true when no other pair of its rule event is waiting (so the
    /// caller sets the event's deadline).
    mutating func add(_ entry: Entry) -> Bool {
        let handle = nextHandle
        nextHandle += 1
        entries[handle] = entry
        for slot in Self.watchedSlots(entry) { watch(slot, handle) }
        let key = ExactKey(entry.pair.rule.eventId)
        if byRuleEvent[key] == nil || byRuleEvent[key]!.live == 0 {
            byRuleEvent[key] = RuleGroup(handles: [handle], live: 1)
            return true
        }
        byRuleEvent[key]!.handles.append(handle)
        byRuleEvent[key]!.live += 1
        return false
    }

    /// Removes and returns the pairs still waiting on the event `eventId`, in the order they started.
    mutating func expire(ruleEventId eventId: String) -> [WaitingPair] {
        guard let group = byRuleEvent.removeValue(forKey: ExactKey(eventId)) else { return [] }
        let expired = group.handles.compactMap { entries.removeValue(forKey: $0)?.pair }
        resetIfEmpty()
        return expired
    }

    /// The handles of the pairs watching `slot`, in the order they started waiting; the slot's index
    /// entry is dropped, so each one must be `complete`d or `rewatch`ed.
    mutating func takeWatchers(of slot: Int) -> [Int] {
        guard let listed = watchers.removeValue(forKey: slot) else { return [] }
        watcherEntries -= listed.count
        var handles: [Int] = []
        for handle in listed.count > 1 ? listed.sorted() : listed
        where handle != handles.last && entries[handle]?.watches(slot) == true {
            handles.append(handle)
        }
        return handles
    }

    /// Removes a completed pair.
    mutating func complete(_ handle: Int) {
        guard let entry = entries.removeValue(forKey: handle) else { return }
        let key = ExactKey(entry.pair.rule.eventId)
        if let live = byRuleEvent[key]?.live {
            if live <= 1 { byRuleEvent.removeValue(forKey: key) } else { byRuleEvent[key]!.live = live - 1 }
        }
        resetIfEmpty()
    }

    /// Watches again a pair taken from `slot` that still waits, with its chosen response's prompt now `prompt`.
    mutating func rewatch(_ handle: Int, taken slot: Int, prompt: Int) {
        guard var entry = entries[handle] else { return }
        let movedPrompt = entry.prompt != prompt
        entry.prompt = prompt
        entries[handle] = entry
        if entry.watches(slot) { watch(slot, handle) }
        if movedPrompt && prompt >= 0 && prompt != slot && prompt != entry.chosen && prompt != entry.rejected {
            watch(prompt, handle)
        }
        if watcherEntries > 4 * entries.count + 64 { rebuildWatchers() }
    }

    private mutating func watch(_ slot: Int, _ handle: Int) {
        watchers[slot, default: []].append(handle)
        watcherEntries += 1
    }

    private static func watchedSlots(_ entry: Entry) -> [Int] {
        var slots = [entry.chosen]
        if entry.rejected != entry.chosen { slots.append(entry.rejected) }
        if entry.prompt >= 0 && !slots.contains(entry.prompt) { slots.append(entry.prompt) }
        return slots
    }

    private mutating func rebuildWatchers() {
        watchers = [:]
        watcherEntries = 0
        for handle in entries.keys.sorted() { for slot in Self.watchedSlots(entries[handle]!) { watch(slot, handle) } }
    }

    /// Nothing waits: every index entry is stale.
    private mutating func resetIfEmpty() {
        guard entries.isEmpty else { return }
        watchers = [:]
        watcherEntries = 0
        byRuleEvent = [:]
    }
}
