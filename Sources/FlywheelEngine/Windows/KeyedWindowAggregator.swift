import Collections

/// Aggregates keyed records into tumbling or sliding event-time windows and fires each window
/// when the watermark reaches `end - 1`.
///
/// With an allowed lateness L, a fired window keeps its state until the watermark reaches
/// `end - 1 + L`; a record added to it in that time fires it again at once with the updated
/// state (Flink's `EventTimeTrigger` with `allowedLateness`). Owned by one shard; not thread-safe.
public struct KeyedWindowAggregator<Key: Hashable, Accumulator: WindowAccumulator> {
    public let assigner: WindowAssigner
    public let allowedLatenessMs: Int64
    private var panes: [Window: [Key: Accumulator]] = [:]
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
    /// fired already (only possible with allowed lateness).
    public mutating func add(
        _ input: Accumulator.Input, key: Key, at t: EventTime, emit: (Window, Key, Accumulator) -> Void
    ) {
        assigner.forEachWindow(containing: t) { window in
            guard window.maxTimestamp.adding(allowedLatenessMs) > watermark else { return }
            // One lookup of the window per record: it is open in all but its first record.
            if let pane = panes.index(forKey: window) {
                panes.values[pane][key, default: Accumulator()].add(input)
            } else {
                var first = Accumulator()
                first.add(input)
                panes[window] = [key: first]
                if window.maxTimestamp > watermark {
                    pending.insert(WindowTimer(time: window.maxTimestamp, window: window, isCleanup: false))
                }
            }
            // A window whose end - 1 the watermark has passed (possible only with allowed lateness)
            // fires at once, as Flink's EventTimeTrigger.onElement does.
            guard window.maxTimestamp <= watermark, let acc = panes[window]?[key] else { return }
            emit(window, key, acc)
            if !fired.contains(window) {
                fired.insert(window)
                let cleanup = window.maxTimestamp.adding(allowedLatenessMs)
                pending.insert(WindowTimer(time: cleanup, window: window, isCleanup: true))
            }
        }
    }

    var panesForSnapshot: [Window: [Key: Accumulator]] { panes }
    var firedForSnapshot: Set<Window> { fired }

    /// Sets the watermark of a restored instance (before `restore` adds state).
    public mutating func restoreWatermark(_ value: EventTime) { watermark = value }

    /// Adds one restored (window, key) state, scheduling the window's firing or clean-up.
    mutating func restoreEntry(window: Window, hasFired: Bool, key: Key, accumulator: Accumulator) {
        if panes[window] == nil {
            panes[window] = [:]
            if hasFired {
                fired.insert(window)
                pending.insert(
                    WindowTimer(time: window.maxTimestamp.adding(allowedLatenessMs), window: window, isCleanup: true))
            } else {
                pending.insert(WindowTimer(time: window.maxTimestamp, window: window, isCleanup: false))
            }
        }
        panes[window]![key] = accumulator
    }

    /// Moves the watermark to `newWatermark`, firing (in window order) every window it reaches.
    public mutating func advance(to newWatermark: EventTime, emit: (Window, Key, Accumulator) -> Void) {
        guard newWatermark > watermark else { return }
        watermark = newWatermark
        while let next = pending.min, next.time <= watermark {
            _ = pending.removeMin()
            if next.isCleanup {
                panes[next.window] = nil
                fired.remove(next.window)
                continue
            }
            if let keyed = panes[next.window] {
                for (key, acc) in keyed { emit(next.window, key, acc) }
            }
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
