import Collections

/// Per-key session windows with Flink's merging rule: each record opens `[t, t + gap)`, and
/// windows that overlap or touch merge into one. A session fires when the watermark reaches
/// `end - 1`.
///
/// With an allowed lateness L, a fired session is kept until the watermark reaches `end - 1 + L`;
/// a record merged into it in that time fires it again at once. Records are added to the session's
/// accumulator in place; each key has at most one live timer (its earliest due time).
/// Owned by one shard; not thread-safe.
public struct KeyedSessionWindows<Key: Hashable, Accumulator: MergeableAccumulator> {
    public struct Session {
        public var window: Window
        public var accumulator: Accumulator
        public var hasFired: Bool
    }

    /// A key's open sessions and its live timer (heap entries with another time are stale).
    struct KeyState {
        var sessions: [Session] = []
        var timer: EventTime?
    }

    public let gapMs: Int64
    public let allowedLatenessMs: Int64
    private var keys: [Key: KeyState] = [:]
    private var timers = Heap<SessionTimer<Key>>()
    // Invariant: watermark never regresses.
    public private(set) var watermark = EventTime.min

    public init(gapMs: Int64, allowedLatenessMs: Int64 = 0) {
        self.gapMs = gapMs
        self.allowedLatenessMs = allowedLatenessMs
    }

    /// Number of keys with at least one open session.
    public var openKeys: Int { keys.count }

    /// Adds a record; sessions it bridges merge. `emit` receives a merged session that had fired
    /// already (only possible with allowed lateness).
    public mutating func add(
        _ input: Accumulator.Input, key: Key, at t: EventTime, emit: (Key, Window, Accumulator) -> Void
    ) {
        let window = Window(start: t, end: t.adding(gapMs))
        let slot: Dictionary<Key, KeyState>.Index
        if let found = keys.index(forKey: key) {
            slot = found
        } else {
            keys[key] = KeyState()
            slot = keys.index(forKey: key)!
        }
        let index = Self.merge(input, window: window, into: &keys.values[slot].sessions)
        // Read fields, not the whole session: a copy would retain the accumulator's storage.
        let merged = keys.values[slot].sessions[index].window
        if merged.maxTimestamp <= watermark {
            emit(key, merged, keys.values[slot].sessions[index].accumulator)
            keys.values[slot].sessions[index].hasFired = true
        } else if keys.values[slot].sessions[index].hasFired {
            // Extended past the watermark: it fires again at its new end, as Flink re-registers
            // the merged window's timer.
            keys.values[slot].sessions[index].hasFired = false
        }
        let due = dueTime(of: keys.values[slot].sessions[index])
        if let current = keys.values[slot].timer, current <= due { return }
        keys.values[slot].timer = due
        timers.insert(SessionTimer(time: due, key: key))
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

    var keysForSnapshot: [Key: KeyState] { keys }

    /// Sets the watermark of a restored instance (before `restore` adds state).
    public mutating func restoreWatermark(_ value: EventTime) { watermark = value }

    /// Adds a restored key's sessions and schedules its timer.
    mutating func restoreKey(_ key: Key, sessions: [Session]) {
        guard let due = sessions.map({ dueTime(of: $0) }).min() else { return }
        keys[key] = KeyState(sessions: sessions, timer: due)
        timers.insert(SessionTimer(time: due, key: key))
    }

    /// Moves the watermark, firing every session whose end - 1 it reaches and dropping sessions past
    /// their allowed lateness. Keys fire in timer order.
    public mutating func advance(to newWatermark: EventTime, emit: (Key, Window, Accumulator) -> Void) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        while let next = timers.min, next.time <= watermark {
            _ = timers.removeMin()
            guard let slot = keys.index(forKey: next.key), keys.values[slot].timer == next.time else { continue }
            keys.values[slot].timer = nil
            fireAndClean(next.key, slot: slot, emit: emit)
        }
    }

    private mutating func fireAndClean(
        _ key: Key, slot: Dictionary<Key, KeyState>.Index, emit: (Key, Window, Accumulator) -> Void
    ) {
        var nextDue = EventTime.max
        var index = 0
        while index < keys.values[slot].sessions.count {
            let window = keys.values[slot].sessions[index].window
            let maxTs = window.maxTimestamp
            var hasFired = keys.values[slot].sessions[index].hasFired
            if !hasFired && maxTs <= watermark {
                emit(key, window, keys.values[slot].sessions[index].accumulator)
                keys.values[slot].sessions[index].hasFired = true
                hasFired = true
            }
            if hasFired && maxTs.adding(allowedLatenessMs) <= watermark {
                keys.values[slot].sessions.remove(at: index)
            } else {
                nextDue = Swift.min(nextDue, dueTime(of: keys.values[slot].sessions[index]))
                index += 1
            }
        }
        if keys.values[slot].sessions.isEmpty {
            keys.remove(at: slot)
        } else {
            keys.values[slot].timer = nextDue
            timers.insert(SessionTimer(time: nextDue, key: key))
        }
    }

    /// When a session next needs attention: its firing, or its cleanup once fired.
    private func dueTime(of session: Session) -> EventTime {
        session.hasFired ? session.window.maxTimestamp.adding(allowedLatenessMs) : session.window.maxTimestamp
    }

}

struct SessionTimer<Key>: Comparable {
    var time: EventTime
    var key: Key

    static func == (lhs: SessionTimer, rhs: SessionTimer) -> Bool { lhs.time == rhs.time }
    static func < (lhs: SessionTimer, rhs: SessionTimer) -> Bool { lhs.time < rhs.time }
}

extension KeyedSessionWindows: Sendable where Key: Sendable, Accumulator: Sendable {}
extension KeyedSessionWindows.Session: Sendable where Accumulator: Sendable {}
extension KeyedSessionWindows.KeyState: Sendable where Accumulator: Sendable {}
extension SessionTimer: Sendable where Key: Sendable {}
