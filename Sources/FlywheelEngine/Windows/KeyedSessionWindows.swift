import Collections

/// Per-key session windows with Flink's merging rule: each record opens `[t, t + gap)`, and
/// windows that overlap or touch merge into one. A session fires when the watermark reaches
/// `end - 1`.
///
/// With an allowed lateness L, a fired session is kept until the watermark reaches `end - 1 + L`;
/// a record merged into it in that time fires it again at once. Owned by one shard; not thread-safe.
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
    private var timerSequence: UInt64 = 0
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
        var merged = Session(window: Window(start: t, end: t.adding(gapMs)), accumulator: Accumulator(), hasFired: false)
        merged.accumulator.add(input)
        var list = sessions[key] ?? []
        var kept: [Session] = []
        kept.reserveCapacity(list.count + 1)
        for session in list {
            if session.window.overlapsOrTouches(merged.window) {
                merged.window = merged.window.union(session.window)
                merged.accumulator.merge(session.accumulator)
                merged.hasFired = merged.hasFired || session.hasFired
            } else {
                kept.append(session)
            }
        }
        list = kept
        if merged.window.maxTimestamp <= watermark {
            emit(key, merged.window, merged.accumulator)
            merged.hasFired = true
            schedule(key, at: merged.window.maxTimestamp.adding(allowedLatenessMs))
        } else {
            merged.hasFired = false
            schedule(key, at: merged.window.maxTimestamp)
        }
        list.append(merged)
        sessions[key] = list
    }

    /// Moves the watermark, firing every session whose end - 1 it reaches and dropping sessions past
    /// their allowed lateness. Keys fire in timer order.
    public mutating func advance(to newWatermark: EventTime, emit: (Key, Window, Accumulator) -> Void) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        while let next = timers.min, next.time <= watermark {
            _ = timers.removeMin()
            fireAndClean(next.key, emit: emit)
        }
    }

    private mutating func fireAndClean(_ key: Key, emit: (Key, Window, Accumulator) -> Void) {
        guard var list = sessions[key] else { return }
        var index = 0
        while index < list.count {
            let maxTs = list[index].window.maxTimestamp
            if !list[index].hasFired && maxTs <= watermark {
                emit(key, list[index].window, list[index].accumulator)
                list[index].hasFired = true
                if allowedLatenessMs > 0 { schedule(key, at: maxTs.adding(allowedLatenessMs)) }
            }
            if list[index].hasFired && maxTs.adding(allowedLatenessMs) <= watermark {
                list.remove(at: index)
            } else {
                index += 1
            }
        }
        sessions[key] = list.isEmpty ? nil : list
    }

    private mutating func schedule(_ key: Key, at time: EventTime) {
        timerSequence += 1
        timers.insert(SessionTimer(time: time, sequence: timerSequence, key: key))
    }
}

struct SessionTimer<Key>: Comparable {
    var time: EventTime
    var sequence: UInt64
    var key: Key

    static func == (lhs: SessionTimer, rhs: SessionTimer) -> Bool { lhs.time == rhs.time && lhs.sequence == rhs.sequence }
    static func < (lhs: SessionTimer, rhs: SessionTimer) -> Bool { (lhs.time, lhs.sequence) < (rhs.time, rhs.sequence) }
}

extension KeyedSessionWindows: Sendable where Key: Sendable, Accumulator: Sendable {}
extension KeyedSessionWindows.Session: Sendable where Accumulator: Sendable {}
extension SessionTimer: Sendable where Key: Sendable {}
