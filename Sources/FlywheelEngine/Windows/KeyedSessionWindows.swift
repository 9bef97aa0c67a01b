import Collections

/// Per-key session windows with Flink's merging rule: each record opens `[t, t + gap)`, and
/// windows that overlap or touch merge into one. A session fires when the watermark reaches
/// `end - 1`.
///
/// With an allowed lateness L, a fired session is kept until the watermark reaches `end - 1 + L`;
/// a record merged into it in that time fires it again at once. Records are added to the session's
/// accumulator in place; each key has at most one live timer (its earliest due time).
/// Keys are found by their stable hash in a `HashedTable` of key states, so a record costs one hash
/// of its key and, almost always, one comparison.
/// Owned by one shard; not thread-safe.
public struct KeyedSessionWindows<Key: Equatable & KeyGroupHashable, Accumulator: MergeableAccumulator> {
    public struct Session {
        public var window: Window
        public var accumulator: Accumulator
        public var hasFired: Bool
    }

    /// A key's open sessions and its live timer (heap entries with another time are stale).
    struct KeyState {
        var sessions: Sessions
        /// The live timer's time, `EventTime.min` when none: no timer is ever due then (a due time is a
        /// window's end - 1, or later, and a window ends after its start), and an optional took 8 bytes more
        /// per open key, its flag padded to a word.
        private var due = EventTime.min

        init(sessions: Sessions) { self.sessions = sessions }

        var timer: EventTime? {
            get { due == .min ? nil : due }
            set { due = newValue ?? .min }
        }
    }

    /// A key's open sessions, in the order they were opened. Nearly always one: it is kept inline, in
    /// the key's entry (an array of one was an allocation, and its header, per open key); the others
    /// (events out of order by more than the gap open a second session until one bridges them) in `rest`.
    struct Sessions {
        // Not a `Session?`: unwrapping an optional to read a field copied the whole session (a retain of
        // everything its accumulator holds) and wrote it back.
        /// The first session, or an empty one (`hasFirst` false) once the last session is removed.
        private(set) var first: Session
        private var hasFirst = true
        private(set) var rest: [Session] = []

        init(_ session: consuming Session) { first = session }

        init(_ sessions: [Session]) {
            guard let head = sessions.first else {
                first = Self.placeholder
                hasFirst = false
                return
            }
            first = head
            rest = Array(sessions.dropFirst())
        }

        /// What `first` holds when there is no session: an accumulator as made, which holds no memory.
        private static var placeholder: Session {
            Session(window: Window(start: .min, end: .min), accumulator: Accumulator(), hasFired: false)
        }

        var count: Int { hasFirst ? 1 + rest.count : 0 }
        var isEmpty: Bool { !hasFirst }

        // Read and changed in place, field by field: a copy of a session would retain what its
        // accumulator holds.
        func window(at index: Int) -> Window { index == 0 ? first.window : rest[index - 1].window }
        func hasFired(at index: Int) -> Bool { index == 0 ? first.hasFired : rest[index - 1].hasFired }

        mutating func update<R>(at index: Int, _ body: (inout Session) -> R) -> R {
            index == 0 ? body(&first) : body(&rest[index - 1])
        }

        func read<R>(at index: Int, _ body: (borrowing Session) -> R) -> R {
            index == 0 ? body(first) : rest.withUnsafeBufferPointer { body($0[index - 1]) }
        }

        /// Removes and returns the session at `index`; the ones after it move down one place.
        mutating func remove(at index: Int) -> Session {
            guard index == 0 else { return rest.remove(at: index - 1) }
            let wasLast = rest.isEmpty
            var removed = wasLast ? Self.placeholder : rest.removeFirst()
            swap(&removed, &first)
            if wasLast { hasFirst = false }
            return removed
        }

        mutating func append(_ session: consuming Session) {
            if hasFirst {
                rest.append(session)
            } else {
                first = session
                hasFirst = true
            }
        }

        /// Each session, borrowed in place.
        func forEach(_ body: (borrowing Session) -> Void) {
            guard hasFirst else { return }
            body(first)
            rest.withUnsafeBufferPointer { rest in
                for index in rest.indices { body(rest[index]) }
            }
        }
    }

    public let gapMs: Int64
    public let allowedLatenessMs: Int64
    /// Keys with at least one open session.
    private var states = HashedTable<Key, KeyState>()
    private var timers = Heap<SessionTimer>()
    // Invariant: watermark never regresses.
    public private(set) var watermark = EventTime.min

    public init(gapMs: Int64, allowedLatenessMs: Int64 = 0) {
        self.gapMs = gapMs
        self.allowedLatenessMs = allowedLatenessMs
    }

    /// Number of keys with at least one open session.
    public var openKeys: Int { states.count }

    /// Adds a record; sessions it bridges merge. `emit` receives a merged session that had fired
    /// already (only possible with allowed lateness).
    public mutating func add(
        _ input: Accumulator.Input, key: Key, at t: EventTime, emit: (Key, Window, Accumulator) -> Void
    ) {
        add(input, key: key, hash: key.stableHash, at: t, emit: emit)
    }

    /// `add(_:key:at:emit:)` for a caller that has the key's `stableHash` already.
    public mutating func add(
        _ input: Accumulator.Input, key: Key, hash: UInt64, at t: EventTime, emit: (Key, Window, Accumulator) -> Void
    ) {
        add(input, hash: hash, matching: { $0 == key }, makeKey: { key }, at: t, emit: emit)
    }

    /// `add(_:key:hash:at:emit:)` for a caller that holds the key's bytes rather than a key (an event's id):
    /// `matches` tells the key, `makeKey` makes it only for a key not held yet.
    @inline(__always)
    public mutating func add(
        _ input: Accumulator.Input, hash: UInt64, matching matches: (borrowing Key) -> Bool, makeKey: () -> Key,
        at t: EventTime, emit: (Key, Window, Accumulator) -> Void
    ) {
        let window = Window(start: t, end: t.adding(gapMs))
        let (position, inserted) = states.findOrInsert(hash: hash, matching: matches, makeKey: makeKey) {
            var fresh = Accumulator()
            fresh.add(input)
            return KeyState(sessions: Sessions(Session(window: window, accumulator: consume fresh, hasFired: false)))
        }
        // A new key's one session is made with the input already added.
        let merged =
            inserted
            ? Self.fireIfBehind(at: 0, in: &states[position].sessions, watermark: watermark)
            : Self.add(input, window: window, to: &states[position].sessions, watermark: watermark)
        // The session that fires here (allowed lateness) is read in place, with its key, from the table.
        if merged.firesNow {
            states.withEntry(at: position) { key, state in
                state.sessions.read(at: merged.index) { emit(key, merged.window, $0.accumulator) }
            }
        }
        let due = Self.dueTime(merged.window, hasFired: merged.hasFired, allowedLatenessMs: allowedLatenessMs)
        if let current = states[position].timer, current <= due { return }
        states[position].timer = due
        timers.insert(SessionTimer(time: due, hash: hash))
    }

    /// Where a record went: its session's index and window, whether that session has fired, and whether it
    /// fires now (the watermark is past its end; the caller emits it).
    private struct Placed {
        var index: Int
        var window: Window
        var hasFired: Bool
        var firesNow: Bool
    }

    /// Adds `input` to `list` (see `merge`) and marks the session it went to fired at once when the
    /// watermark is past its end (`Placed.firesNow`).
    private static func add(
        _ input: Accumulator.Input, window: Window, to list: inout Sessions, watermark: EventTime
    ) -> Placed {
        let merged = merge(input, window: window, into: &list)
        return fireIfBehind(at: merged, in: &list, watermark: watermark)
    }

    /// Marks the session at `index`, which a record just went to, fired when the watermark is past its end
    /// (`Placed.firesNow`: the caller emits it, reading it in place).
    private static func fireIfBehind(at index: Int, in list: inout Sessions, watermark: EventTime) -> Placed {
        // Read fields, not the whole session: a copy would retain the accumulator's storage.
        let window = list.window(at: index)
        let firesNow = window.maxTimestamp <= watermark
        if firesNow {
            list.update(at: index) { $0.hasFired = true }
        } else if list.hasFired(at: index) {
            // Extended past the watermark: it fires again at its new end, as Flink re-registers
            // the merged window's timer.
            list.update(at: index) { $0.hasFired = false }
        }
        return Placed(index: index, window: window, hasFired: list.hasFired(at: index), firesNow: firesNow)
    }

    /// Adds `input` to the session it falls into (merging every session it bridges) or to a new one;
    /// returns the index of that session in `list`.
    private static func merge(_ input: Accumulator.Input, window: Window, into list: inout Sessions) -> Int {
        // The common case: one session, which the record falls into.
        if list.count == 1 && list.window(at: 0).overlapsOrTouches(window) {
            list.update(at: 0) {
                $0.window = $0.window.union(window)
                $0.accumulator.add(input)
            }
            return 0
        }
        var target: Int?
        var index = 0
        while index < list.count {
            guard list.window(at: index).overlapsOrTouches(window) else {
                index += 1
                continue
            }
            guard let first = target else {
                target = index
                index += 1
                continue
            }
            let other = list.remove(at: index)
            list.update(at: first) {
                $0.window = $0.window.union(other.window)
                $0.accumulator.merge(other.accumulator)
                $0.hasFired = $0.hasFired || other.hasFired
            }
        }
        guard let found = target else {
            var fresh = Accumulator()
            fresh.add(input)
            list.append(Session(window: window, accumulator: consume fresh, hasFired: false))
            return list.count - 1
        }
        list.update(at: found) {
            $0.window = $0.window.union(window)
            $0.accumulator.add(input)
        }
        return found
    }

    /// For each of `count` key groups, the slots of its keys (see `HashedTable.slotsByGroup`).
    func forEachKeyGroup(count: Int, _ body: (Int, [Int32]) -> Void) {
        let groups = states.slotsByGroup(count: count) { KeyGroups.group(ofHash: $0.stableHash) }
        for (group, slots) in groups.enumerated() { body(group, slots) }
    }

    /// `body` with the key in `slot` and its sessions, borrowed in place.
    func withKey(at slot: Int, _ body: (borrowing Key, borrowing Sessions) -> Void) {
        states.withEntry(at: slot) { key, state in body(key, state.sessions) }
    }

    /// Sets the watermark of a restored instance (before `restore` adds state).
    public mutating func restoreWatermark(_ value: EventTime) { watermark = value }

    /// Adds a restored key's sessions and schedules its timer.
    mutating func restoreKey(_ key: Key, sessions: [Session]) {
        let dues = sessions.map { Self.dueTime($0.window, hasFired: $0.hasFired, allowedLatenessMs: allowedLatenessMs) }
        guard let due = dues.min() else { return }
        let hash = key.stableHash
        let (position, inserted) = states.findOrInsert(key, hash: hash) { KeyState(sessions: Sessions(sessions)) }
        if !inserted { states[position].sessions = Sessions(sessions) }
        states[position].timer = due
        timers.insert(SessionTimer(time: due, hash: hash))
    }

    /// Moves the watermark, firing every session whose end - 1 it reaches and dropping sessions past
    /// their allowed lateness. Keys fire in timer order.
    public mutating func advance(to newWatermark: EventTime, emit: (Key, Window, Accumulator) -> Void) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        while let next = timers.min, next.time <= watermark {
            _ = timers.removeMin()
            // A timer names its key by hash alone: of the keys with that hash, the one whose live
            // timer it is (a stale entry matches none).
            guard let position = states.find(hash: next.hash, where: { $0.timer == next.time }) else { continue }
            states[position].timer = nil
            fireAndClean(position: position, emit: emit)
        }
    }

    private mutating func fireAndClean(position: Int, emit: (Key, Window, Accumulator) -> Void) {
        let key = states.key(at: position)
        let nextDue = Self.fireAndClean(
            &states[position].sessions, watermark: watermark, allowedLatenessMs: allowedLatenessMs
        ) { emit(key, $0, $1) }
        if states[position].sessions.isEmpty {
            states.remove(at: position)
        } else {
            states[position].timer = nextDue
            timers.insert(SessionTimer(time: nextDue, hash: states.hash(at: position)))
        }
    }

    /// Fires the sessions of `list` whose end - 1 the watermark reached and drops those past their
    /// allowed lateness; returns when the earliest remaining one next needs attention.
    private static func fireAndClean(
        _ list: inout Sessions, watermark: EventTime, allowedLatenessMs: Int64, emit: (Window, Accumulator) -> Void
    ) -> EventTime {
        var nextDue = EventTime.max
        var session = 0
        while session < list.count {
            let window = list.window(at: session)
            let fires = !list.hasFired(at: session) && window.maxTimestamp <= watermark
            let hasFired = fires || list.hasFired(at: session)
            if hasFired && window.maxTimestamp.adding(allowedLatenessMs) <= watermark {
                // Done for good: moved out, so emitting it copies nothing.
                let removed = list.remove(at: session)
                if fires { emit(window, removed.accumulator) }
                continue
            }
            if fires {
                list.read(at: session) { emit(window, $0.accumulator) }
                list.update(at: session) { $0.hasFired = true }
            }
            nextDue = Swift.min(nextDue, dueTime(window, hasFired: hasFired, allowedLatenessMs: allowedLatenessMs))
            session += 1
        }
        return nextDue
    }

    /// When a session next needs attention: its firing, or its cleanup once fired.
    private static func dueTime(_ window: Window, hasFired: Bool, allowedLatenessMs: Int64) -> EventTime {
        hasFired ? window.maxTimestamp.adding(allowedLatenessMs) : window.maxTimestamp
    }
}

/// A key's timer in the heap: its due time and the key's hash (which, with the time, finds the key).
struct SessionTimer: Comparable, Sendable {
    var time: EventTime
    var hash: UInt64

    static func == (lhs: SessionTimer, rhs: SessionTimer) -> Bool { lhs.time == rhs.time }
    static func < (lhs: SessionTimer, rhs: SessionTimer) -> Bool { lhs.time < rhs.time }
}

extension KeyedSessionWindows: Sendable where Key: Sendable, Accumulator: Sendable {}
extension KeyedSessionWindows.Session: Sendable where Accumulator: Sendable {}
extension KeyedSessionWindows.Sessions: Sendable where Accumulator: Sendable {}
extension KeyedSessionWindows.KeyState: Sendable where Key: Sendable, Accumulator: Sendable {}
