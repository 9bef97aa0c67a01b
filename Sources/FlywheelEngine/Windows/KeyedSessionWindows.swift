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

    public let gapMs: Int64
    public let allowedLatenessMs: Int64
    private var sessions: [Key: [Session]] = [:]
    private var timers = Heap<SessionTimer<Key>>()
    /// The live timer of each key; heap entries with another time are stale.
    private var scheduled: [Key: EventTime] = [:]
    // Invariant: watermark never regresses.
    public private(set) var watermark = EventTime.min

    public init(gapMs: Int64, allowedLatenessMs: Int64 = 0) {
        self.gapMs = gapMs
        self.allowedLatenessMs = allowedLatenessMs
    }

    /// Number of keys with at least one open session.
    public var openKeys: Int { sessions.count }

    /// Adds a record; sessions it bridges merge. `emit` receives a merged session that had fired
    /// already (only possible with allowed lateness).
    public mutating func add(
        _ input: Accumulator.Input, key: Key, at t: EventTime, emit: (Key, Window, Accumulator) -> Void
    ) {
        let window = Window(start: t, end: t.adding(gapMs))
        let index = Self.merge(input, window: window, into: &sessions[key, default: []])
        let session = sessions[key]![index]
        if session.window.maxTimestamp <= watermark {
            emit(key, session.window, session.accumulator)
            sessions[key]![index].hasFired = true
        } else if session.hasFired {
            // Extended past the watermark: it fires again at its new end, as Flink re-registers
            // the merged window's timer.
            sessions[key]![index].hasFired = false
        }
        schedule(key, at: dueTime(of: sessions[key]![index]))
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

    /// Moves the watermark, firing every session whose end - 1 it reaches and dropping sessions past
    /// their allowed lateness. Keys fire in timer order.
    public mutating func advance(to newWatermark: EventTime, emit: (Key, Window, Accumulator) -> Void) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        while let next = timers.min, next.time <= watermark {
            _ = timers.removeMin()
            guard scheduled[next.key] == next.time else { continue }
            scheduled[next.key] = nil
            fireAndClean(next.key, emit: emit)
        }
    }

    private mutating func fireAndClean(_ key: Key, emit: (Key, Window, Accumulator) -> Void) {
        guard let slot = sessions.index(forKey: key) else { return }
        var nextDue = EventTime.max
        var index = 0
        while index < sessions.values[slot].count {
            let session = sessions.values[slot][index]
            let maxTs = session.window.maxTimestamp
            if !session.hasFired && maxTs <= watermark {
                emit(key, session.window, session.accumulator)
                sessions.values[slot][index].hasFired = true
            }
            if sessions.values[slot][index].hasFired && maxTs.adding(allowedLatenessMs) <= watermark {
                sessions.values[slot].remove(at: index)
            } else {
                nextDue = Swift.min(nextDue, dueTime(of: sessions.values[slot][index]))
                index += 1
            }
        }
        if sessions.values[slot].isEmpty {
            sessions.remove(at: slot)
        } else {
            schedule(key, at: nextDue)
        }
    }

    /// When a session next needs attention: its firing, or its cleanup once fired.
    private func dueTime(of session: Session) -> EventTime {
        session.hasFired ? session.window.maxTimestamp.adding(allowedLatenessMs) : session.window.maxTimestamp
    }

    /// Makes sure the key's timer is no later than `time`.
    private mutating func schedule(_ key: Key, at time: EventTime) {
        if let current = scheduled[key], current <= time { return }
        scheduled[key] = time
        timers.insert(SessionTimer(time: time, key: key))
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
extension SessionTimer: Sendable where Key: Sendable {}
