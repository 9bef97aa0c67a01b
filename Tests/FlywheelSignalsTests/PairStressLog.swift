import FlywheelEngine

@testable import FlywheelSignals

/// JSON Lines inputs that stress the preference-pair operator with long conversations (issue 10,
/// "time that explodes"). Timestamps are milliseconds after `signalsBaseMillis`, 100 ms apart.
enum PairStressLog {
    /// One prompt with `responses` responses, each rated right after it arrives, alternately up and
    /// down: every up-rated response pairs with every down-rated one (`expectedPairs`).
    static func alternatingRatings(responses: Int) -> [String] {
        var lines = [line(0, "prompt", #""message_id":"p","text":"Which answer is best?""#)]
        for index in 0..<responses {
            let time = Int64(2 * index + 1) * 100
            lines.append(
                line(
                    time, "response",
                    #""message_id":"r\#(index)","parent_id":"p","model":"m","text":"Answer \#(index)","latency_ms":10"#
                ))
            let rating = index.isMultiple(of: 2) ? "up" : "down"
            lines.append(line(time + 100, "feedback", #""parent_id":"r\#(index)","model":"m","rating":"\#(rating)""#))
        }
        return lines
    }

    /// The pairs `alternatingRatings(responses:)` gives: each up-rated response over each down-rated one.
    static func expectedPairs(responses: Int) -> Int { (responses + 1) / 2 * (responses / 2) }

    /// One conversation of `events` events: turns of five events (a prompt, two responses, and a
    /// choice, a feedback pair or a regenerate with an up), each turn giving one pair.
    static func singleConversation(events: Int) -> [String] {
        var lines: [String] = []
        lines.reserveCapacity(events)
        var turn = 0
        while lines.count < events {
            let time = Int64(lines.count) * 100
            let (p, a, b) = ("p\(turn)", "a\(turn)", "b\(turn)")
            var turnLines = [
                line(time, "prompt", #""message_id":"\#(p)","text":"Question \#(turn)""#),
                line(time + 100, "response", response(a, prompt: p)),
            ]
            switch turn % 3 {
            case 0:
                turnLines.append(line(time + 200, "response", response(b, prompt: p)))
                turnLines.append(line(time + 300, "feedback", #""parent_id":"\#(a)","model":"m","rating":"up""#))
                turnLines.append(line(time + 400, "feedback", #""parent_id":"\#(b)","model":"m","rating":"down""#))
            case 1:
                turnLines.append(line(time + 200, "response", response(b, prompt: p)))
                turnLines.append(line(time + 300, "choice", #""parent_id":"\#(a)","rejected_id":"\#(b)""#))
                turnLines.append(line(time + 400, "feedback", #""parent_id":"\#(a)","model":"m","rating":"up""#))
            default:
                turnLines.append(line(time + 200, "regenerate", #""parent_id":"\#(a)","model":"m""#))
                turnLines.append(line(time + 300, "response", response(b, prompt: p)))
                turnLines.append(line(time + 400, "feedback", #""parent_id":"\#(b)","model":"m","rating":"up""#))
            }
            lines += turnLines.prefix(events - lines.count)
            turn += 1
        }
        return lines
    }

    /// The pairs of `singleConversation(events:)`: one per complete turn.
    static func expectedPairs(singleConversationEvents events: Int) -> Int { events / 5 }

    private static func response(_ id: String, prompt: String) -> String {
        #""message_id":"\#(id)","parent_id":"\#(prompt)","model":"m","text":"Answer \#(id)","latency_ms":10"#
    }

    private static func line(_ ms: Int64, _ type: String, _ fields: String) -> String {
        let stamp = signalsTime(ms).rfc3339
        let id = "\(type.prefix(1))\(ms)"
        return #"{"event_id":"\#(id)","type":"\#(type)","timestamp":"\#(stamp)","conversation_id":"c",\#(fields)}"#
    }
}
