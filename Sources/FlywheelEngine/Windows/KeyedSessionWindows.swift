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
        var hash: UInt64
        var sessions: [Session] = []
        var timer: EventTime?
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
        let window = Window(start: t, end: t.adding(gapMs))
        let position = states.findOrInsert(key, hash: hash) { KeyState(hash: hash) }.slot
        let merged = Self.add(input, window: window, to: &states[position].sessions, watermark: watermark) {
            emit(key, $0, $1)
        }
        let due = Self.dueTime(merged.window, hasFired: merged.hasFired, allowedLatenessMs: allowedLatenessMs)
        if let current = states[position].timer, current <= due { return }
        states[position].timer = due
        timers.insert(SessionTimer(time: due, hash: hash))
    }

    /// Adds `input` to `list` (see `merge`) and fires the session it went to at once when the
    /// watermark is past its end; returns that session's window and whether it has fired.
    private static func add(
        _ input: Accumulator.Input, window: Window, to list: inout [Session], watermark: EventTime,
        emit: (Window, Accumulator) -> Void
    ) -> (window: Window, hasFired: Bool) {
        let merged = merge(input, window: window, into: &list)
        // Read fields, not the whole session: a copy would retain the accumulator's storage.
        let mergedWindow = list[merged].window
        if mergedWindow.maxTimestamp <= watermark {
            emit(mergedWindow, list[merged].accumulator)
            list[merged].hasFired = true
        } else if list[merged].hasFired {
            // Extended past the watermark: it fires again at its new end, as Flink re-registers
            // the merged window's timer.
            list[merged].hasFired = false
        }
        return (mergedWindow, list[merged].hasFired)
    }

    /// Adds `input` to the session it falls into (merging every session it bridges) or to a new one;
    /// returns the index of that session in `list`.
    private static func merge(_ input: Accumulator.Input, window: Window, into list: inout [Session]) -> Int {
        var target: Int?
        var index = 0
        while index < list.count {
            guard list[index].window.overlapsOrTouches(window) else {
                index += 1
                continue
            }
            guard let first = target else {
                target = index
                index += 1
                continue
            }
            let other = list.remove(at: index)
            list[first].window = list[first].window.union(other.window)
            list[first].accumulator.merge(other.accumulator)
            list[first].hasFired = list[first].hasFired || other.hasFired
        }
        guard let found = target else {
            var fresh = Accumulator()
            fresh.add(input)
            list.append(Session(window: window, accumulator: fresh, hasFired: false))
            return list.count - 1
        }
        list[found].window = list[found].window.union(window)
        list[found].accumulator.add(input)
        return found
    }

    /// For each of `count` key groups, the slots of its keys (see `HashedTable.slotsByGroup`).
    func forEachKeyGroup(count: Int, _ body: (Int, [Int32]) -> Void) {
        let groups = states.slotsByGroup(count: count) { KeyGroups.group(ofHash: $0.stableHash) }
        for (group, slots) in groups.enumerated() { body(group, slots) }
    }

    /// `body` with the key in `slot` and its sessions, borrowed in place.
    func withKey(at slot: Int, _ body: (borrowing Key, borrowing [Session]) -> Void) {
        states.withEntry(at: slot) { key, state in body(key, state.sessions) }
    }

    /// Sets the watermark of a restored instance (before `restore` adds state).
    public mutating func restoreWatermark(_ value: EventTime) { watermark = value }

    /// Adds a restored key's sessions and schedules its timer.
    mutating func restoreKey(_ key: Key, sessions: [Session]) {
        let dues = sessions.map { Self.dueTime($0.window, hasFired: $0.hasFired, allowedLatenessMs: allowedLatenessMs) }
        guard let due = dues.min() else { return }
        let hash = key.stableHash
        let position = states.findOrInsert(key, hash: hash) { KeyState(hash: hash) }.slot
        states[position].sessions = sessions
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
            timers.insert(SessionTimer(time: nextDue, hash: states[position].hash))
        }
    }

    /// Fires the sessions of `list` whose end - 1 the watermark reached and drops those past their
    /// allowed lateness; returns when the earliest remaining one next needs attention.
    private static func fireAndClean(
        _ list: inout [Session], watermark: EventTime, allowedLatenessMs: Int64, emit: (Window, Accumulator) -> Void
    ) -> EventTime {
        var nextDue = EventTime.max
        var session = 0
        while session < list.count {
            let window = list[session].window
            let fires = !list[session].hasFired && window.maxTimestamp <= watermark
            let hasFired = fires || list[session].hasFired
            if hasFired && window.maxTimestamp.adding(allowedLatenessMs) <= watermark {
                // Done for good: moved out, so emitting it copies nothing.
                let removed = list.remove(at: session)
                if fires { emit(window, removed.accumulator) }
                continue
            }
            if fires {
                emit(window, list[session].accumulator)
                list[session].hasFired = true
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
extension KeyedSessionWindows.KeyState: Sendable where Key: Sendable, Accumulator: Sendable {}
