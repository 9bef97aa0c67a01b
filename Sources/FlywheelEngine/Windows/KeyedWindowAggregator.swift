import Collections

/// Aggregates keyed records into tumbling or sliding event-time windows and fires each window
/// when the watermark reaches `end - 1`.
///
/// With an allowed lateness L, a fired window keeps its state until the watermark reaches
/// `end - 1 + L`; a record added to it in that time fires it again at once with the updated
/// state (Flink's `EventTimeTrigger` with `allowedLateness`). Owned by one shard; not thread-safe.
public struct KeyedWindowAggregator<Key: Equatable & KeyGroupHashable, Accumulator: WindowAccumulator> {
    public let assigner: WindowAssigner
    public let allowedLatenessMs: Int64
    /// Per open window, its keys' state, looked up by the key's `stableHash`.
    private var panes: [Window: HashedTable<Key, Accumulator>] = [:]
    /// The pane of the window the last record went to: most records go to the same window as the
    /// one before, so this saves hashing the window. Cleared whenever a pane is added or removed.
    private var lastPane: (window: Window, index: Dictionary<Window, HashedTable<Key, Accumulator>>.Index)?
    private var fired: Set<Window> = []
    private var pending = Heap<WindowTimer>()
    // Invariant: watermark never regresses.
    public private(set) var watermark = EventTime.min

    public init(assigner: WindowAssigner, allowedLatenessMs: Int64 = 0) {
        self.assigner = assigner
        self.allowedLatenessMs = allowedLatenessMs
    }

    /// Number of open (window, key) states.
    public var stateCount: Int { panes.values.reduce(0) { $0 + $1.count } }

    /// Adds a record at event time `t`; `emit` receives windows that fire again because they had
    /// fired already (only possible with allowed lateness). `keyHash` is `key.stableHash`, computed
    /// when not given.
    public mutating func add(
        _ input: Accumulator.Input, key: Key, keyHash: UInt64? = nil, at t: EventTime,
        emit: (Window, Key, Accumulator) -> Void
    ) {
        add(input, hash: keyHash ?? key.stableHash, matching: { $0 == key }, makeKey: { key }, at: t, emit: emit)
    }

    /// `add(_:key:keyHash:at:emit:)` for a caller that holds the key's bytes rather than a key (an event's model
    /// and variant): `matches` tells the key, `makeKey` makes it only for a key a window does not hold yet.
    @inline(__always)
    public mutating func add(
        _ input: Accumulator.Input, hash: UInt64, matching matches: (borrowing Key) -> Bool, makeKey: () -> Key,
        at t: EventTime, emit: (Window, Key, Accumulator) -> Void
    ) {
        assigner.forEachWindow(containing: t) { window in
            guard window.maxTimestamp.adding(allowedLatenessMs) > watermark else { return }
            let pane: Dictionary<Window, HashedTable<Key, Accumulator>>.Index
            if let last = lastPane, last.window == window {
                pane = last.index
            } else if let found = panes.index(forKey: window) {
                pane = found
            } else {
                panes[window] = HashedTable(capacity: 16)
                pane = panes.index(forKey: window)!
                if window.maxTimestamp > watermark {
                    pending.insert(WindowTimer(time: window.maxTimestamp, window: window, isCleanup: false))
                }
            }
            lastPane = (window, pane)
            let slot = panes.values[pane].findOrInsert(hash: hash, matching: matches, makeKey: makeKey) {
                Accumulator()
            }.slot
            panes.values[pane].update(at: slot) { $0.add(input) }
            // A window whose end - 1 the watermark has passed (possible only with allowed lateness)
            // fires at once, as Flink's EventTimeTrigger.onElement does.
            guard window.maxTimestamp <= watermark else { return }
            emit(window, panes.values[pane].key(at: slot), panes.values[pane][slot])
            if !fired.contains(window) {
                fired.insert(window)
                let cleanup = window.maxTimestamp.adding(allowedLatenessMs)
                pending.insert(WindowTimer(time: cleanup, window: window, isCleanup: true))
            }
        }
    }

    var panesForSnapshot: [Window: HashedTable<Key, Accumulator>] { panes }
    var firedForSnapshot: Set<Window> { fired }

    /// Sets the watermark of a restored instance (before `restore` adds state).
    public mutating func restoreWatermark(_ value: EventTime) { watermark = value }

    /// Adds one restored (window, key) state, scheduling the window's firing or clean-up.
    mutating func restoreEntry(window: Window, hasFired: Bool, key: Key, accumulator: Accumulator) {
        lastPane = nil
        if panes[window] == nil {
            panes[window] = HashedTable(capacity: 16)
            if hasFired {
                fired.insert(window)
                pending.insert(
                    WindowTimer(time: window.maxTimestamp.adding(allowedLatenessMs), window: window, isCleanup: true))
            } else {
                pending.insert(WindowTimer(time: window.maxTimestamp, window: window, isCleanup: false))
            }
        }
        let slot = panes[window]!.findOrInsert(key, hash: key.stableHash) { accumulator }.slot
        panes[window]![slot] = accumulator
    }

    /// Whether a window fires or is cleaned up when the watermark reaches `time`.
    public func hasTimer(notAfter time: EventTime) -> Bool {
        guard let first = pending.min else { return false }
        return first.time <= time
    }

    /// Moves the watermark to `newWatermark`, firing (in window order) every window it reaches.
    public mutating func advance(to newWatermark: EventTime, emit: (Window, Key, Accumulator) -> Void) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        guard let first = pending.min, first.time <= watermark else { return }
        lastPane = nil
        while let next = pending.min, next.time <= watermark {
            _ = pending.removeMin()
            if next.isCleanup {
                panes[next.window] = nil
                fired.remove(next.window)
                continue
            }
            panes[next.window]?.forEach { key, acc in emit(next.window, key, acc) }
            if allowedLatenessMs == 0 {
                panes[next.window] = nil
            } else {
                fired.insert(next.window)
                let cleanup = next.window.maxTimestamp.adding(allowedLatenessMs)
                pending.insert(WindowTimer(time: cleanup, window: next.window, isCleanup: true))
            }
        }
    }
}

struct WindowTimer: Comparable {
    var time: EventTime
    var window: Window
    var isCleanup: Bool

    static func < (lhs: WindowTimer, rhs: WindowTimer) -> Bool {
        (lhs.time, lhs.window.start, lhs.isCleanup ? 1 : 0) < (rhs.time, rhs.window.start, rhs.isCleanup ? 1 : 0)
    }
}

extension KeyedWindowAggregator: Sendable where Key: Sendable, Accumulator: Sendable {}
extension WindowTimer: Sendable {}
