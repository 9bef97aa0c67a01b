/// Assigns an event time to the fixed windows that contain it.
///
/// Windows are aligned to the epoch: a tumbling window starts at `floor(t / size) * size`; a sliding
/// window at every `k * slide` with `t` inside `[k * slide, k * slide + size)`.
public enum WindowAssigner: Sendable, Equatable {
    case tumbling(sizeMs: Int64)
    case sliding(sizeMs: Int64, slideMs: Int64)

    /// Calls `body` with each window containing `t`, in increasing start order.
    @inlinable
    public func forEachWindow(containing t: EventTime, _ body: (Window) -> Void) {
        switch self {
        case .tumbling(let size):
            let start = t.millis.floorDivided(by: size) * size
            body(Window(start: EventTime(millis: start), end: EventTime(millis: start + size)))
        case .sliding(let size, let slide):
            let lastStart = t.millis.floorDivided(by: slide) * slide
            var start = lastStart - ((size - 1) / slide) * slide
            while start <= lastStart {
                if t.millis < start + size {
                    body(Window(start: EventTime(millis: start), end: EventTime(millis: start + size)))
                }
                start += slide
            }
        }
    }

    /// The windows containing `t` (convenience for tests; the hot path uses `forEachWindow`).
    public func windows(containing t: EventTime) -> [Window] {
        var result: [Window] = []
        forEachWindow(containing: t) { result.append($0) }
        return result
    }
}

extension Int64 {
    /// Division rounding toward minus infinity.
    @inlinable
    public func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
