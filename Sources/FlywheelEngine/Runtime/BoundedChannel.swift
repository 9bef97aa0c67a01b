import Collections
import Synchronization

/// A bounded first-in-first-out channel between tasks: many senders, one receiver.
///
/// `send` suspends while `capacity` elements wait (backpressure: a slow consumer slows the
/// producer instead of growing memory). Elements are batches, so one suspension point is paid per
/// batch, never per record.
public final class BoundedChannel<Element: Sendable>: Sendable {
    private struct State {
        var buffer = Deque<Element>()
        var waitingSenders = Deque<(Element, CheckedContinuation<Bool, Never>)>()
        var waitingReceiver: CheckedContinuation<Element?, Never>?
        var finished = false
    }

    private enum SendAction {
        case handOff(CheckedContinuation<Element?, Never>)
        case buffered
        case dropped
        case suspended
    }

    private let capacity: Int
    // Mutex protects all mutable state; continuations are resumed outside the lock.
    private let state = Mutex(State())

    public init(capacity: Int) { self.capacity = Swift.max(1, capacity) }

    /// Sends an element, waiting while the channel is full. Elements sent after `finish()` are
    /// dropped: then it returns false.
    @discardableResult
    public func send(_ element: Element) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let action: SendAction = state.withLock { s in
                if s.finished { return .dropped }
                if let receiver = s.waitingReceiver {
                    s.waitingReceiver = nil
                    return .handOff(receiver)
                }
                if s.buffer.count < capacity {
                    s.buffer.append(element)
                    return .buffered
                }
                s.waitingSenders.append((element, continuation))
                return .suspended
            }
            switch action {
            case .handOff(let receiver):
                receiver.resume(returning: element)
                continuation.resume(returning: true)
            case .buffered:
                continuation.resume(returning: true)
            case .dropped:
                continuation.resume(returning: false)
            case .suspended:
                break
            }
        }
    }

    /// Receives the next element, or nil once the channel is finished and drained.
    public func receive() async -> Element? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
            let (element, wake, wait): (Element?, CheckedContinuation<Bool, Never>?, Bool) = state.withLock { s in
                if let first = s.buffer.popFirst() {
                    guard let (next, sender) = s.waitingSenders.popFirst() else { return (first, nil, false) }
                    s.buffer.append(next)
                    return (first, sender, false)
                }
                if s.finished { return (nil, nil, false) }
                s.waitingReceiver = continuation
                return (nil, nil, true)
            }
            wake?.resume(returning: true)
            if !wait { continuation.resume(returning: element) }
        }
    }

    /// Whether nothing waits to be received now (a hint: senders may add at any moment).
    public var isEmpty: Bool { state.withLock { $0.buffer.isEmpty && $0.waitingSenders.isEmpty } }

    /// Ends the channel: the receiver drains what is buffered (including elements of senders still
    /// waiting, which are released), then gets nil.
    public func finish() {
        let (receiver, senders): (CheckedContinuation<Element?, Never>?, [CheckedContinuation<Bool, Never>]) =
            state.withLock { s in
                s.finished = true
                var senders: [CheckedContinuation<Bool, Never>] = []
                while let (element, sender) = s.waitingSenders.popFirst() {
                    s.buffer.append(element)
                    senders.append(sender)
                }
                guard s.buffer.isEmpty, let receiver = s.waitingReceiver else { return (nil, senders) }
                s.waitingReceiver = nil
                return (receiver, senders)
            }
        senders.forEach { $0.resume(returning: true) }
        receiver?.resume(returning: nil)
    }
}
