import Synchronization

/// The responses of the chat spans received lately, by span (`otel:TRACE:SPAN`) and by `gen_ai.response.id`, so
/// that an evaluation parented to a span (or naming only the response id) finds its conversation and model.
///
/// Bounded: past `capacity` keys the oldest are forgotten. Not durable: after a restart, evaluations of earlier
/// spans need their own `gen_ai.conversation.id` and `gen_ai.request.model`. Thread-safe (a `Mutex`).
final class GenAISpanIndex: Sendable {
    private struct State {
        var entries: [String: GenAIResponseContext] = [:]
        var ring: [String?]
        var next = 0
    }

    private let state: Mutex<State>

    init(capacity: Int = 1 << 16) {
        state = Mutex(State(ring: Array(repeating: nil, count: max(1, capacity))))
    }

    /// Remembers `context` under `keys` (the span key, and the response id when the span has one).
    func remember(_ context: GenAIResponseContext, keys: [String]) {
        state.withLock { state in
            for key in keys {
                if state.entries.updateValue(context, forKey: key) != nil { continue }
                if let old = state.ring[state.next] { state.entries[old] = nil }
                state.ring[state.next] = key
                state.next = (state.next + 1) % state.ring.count
            }
        }
    }

    /// The context of the first of `keys` known.
    func lookUp(_ keys: [String]) -> GenAIResponseContext? {
        state.withLock { state in
            for key in keys {
                if let context = state.entries[key] { return context }
            }
            return nil
        }
    }

    /// The key of a span, as the index and the event ids write it.
    static func spanKey(traceHex: String, spanHex: String) -> String { "otel:\(traceHex):\(spanHex)" }

    /// The key of a response id.
    static func responseKey(_ id: String) -> String { "response:" + id }
}
