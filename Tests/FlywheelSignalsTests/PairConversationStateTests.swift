import FlywheelEngine
import Testing

@testable import FlywheelSignals

/// A pair message stores one text for either kind, and a response its prompt's slot and its model's place: a message id names the latest event
/// with it (CONTRACT 3.2), so a prompt that reuses a response's id ends that response, and the reverse.
struct PairConversationStateTests {
    @Test func aMessageIsAPromptAResponseOrNeitherAndTheLatestEventDecides() {
        var state = PairConversationState()
        let prompt = state.recordPrompt(id: "p1", text: "what is 2 + 2?")
        let response = state.recordResponse(id: "r1", text: "4", model: "m", promptId: "p1")
        #expect(state.promptText(at: prompt) == "what is 2 + 2?" && state.response(at: prompt) == nil)
        #expect(state.promptText(at: response) == nil)
        #expect(state.response(at: response)?.text == "4" && state.response(at: response)?.model == "m")
        #expect(
            state.resolvedPrompt(chosen: response, rejected: response).flatMap { state.promptText(at: $0) }
                == "what is 2 + 2?")

        // A rating alone makes a message that is neither.
        let rated = state.setRating(.up, of: "r2")
        #expect(state.promptText(at: rated) == nil && state.response(at: rated) == nil)
        #expect(state.messages[rated].rating == .up)

        // A prompt reusing the response's id ends the response (its prompt id and model are gone too)...
        #expect(state.recordPrompt(id: "r1", text: "again") == response)
        #expect(state.response(at: response) == nil && state.promptText(at: response) == "again")
        #expect(state.siblings(of: response, .up).isEmpty)
        // ...and a response reusing a prompt's id ends the prompt; it counts as a response first seen now.
        #expect(state.recordResponse(id: "r1", text: "5", model: "n", promptId: "p1") == response)
        #expect(state.promptText(at: response) == nil)
        #expect(state.promptId(ofResponse: response) == "p1" && state.promptId(ofResponse: prompt) == nil)
        #expect(state.messages[response].responseOrder == 2)
        let second = state.recordResponse(id: "r3", text: "four", model: "m", promptId: "p1")
        #expect(state.messages[second].responseOrder == 3)
        // A later response for the same message keeps its first order.
        #expect(state.recordResponse(id: "r3", text: "4.0", model: "m", promptId: "p1") == second)
        #expect(state.messages[second].responseOrder == 3 && state.response(at: second)?.text == "4.0")
        _ = state.setRating(.up, of: "r3")
        #expect(state.siblings(of: response, .up) == [second])
    }

    /// A long conversation's index and groups are one box that copies share (a checkpoint's snapshot): a copy
    /// taken before a change still finds and groups as it did, and the state changed goes on as if alone.
    /// Ids and texts are bytes in the conversation's arena: texts replaced again and again (a message id sent
    /// anew) leave bytes behind until they outweigh the live ones, then the arena is rebuilt; every message keeps
    /// its id and latest text, non-ASCII included, and a copy made before keeps what it had.
    @Test func replacedTextsAreLetGoAndEveryMessageKeepsItsIdAndText() {
        var state = PairConversationState()
        let prompt = state.recordPrompt(id: "p-\u{E9}", text: "caf\u{E9} \u{1F600}?")
        let other = state.recordResponse(id: "r-other", text: "stays", model: "m", promptId: "p-\u{E9}")
        var response = 0
        var largest = 0
        var snapshot: PairConversationState?
        for round in 0..<40 {
            let text = String(repeating: "\(round % 10)", count: 700)
            response = state.recordResponse(id: "r1", text: text, model: "m", promptId: "p-\u{E9}")
            if round == 3 { snapshot = state }
            largest = max(largest, state.arenaByteCount)
        }
        // Without compaction, 40 texts of 700 bytes would stay: 28,000 bytes.
        #expect(largest < 4 * 700 + 200)
        #expect(state.response(at: response)?.text == String(repeating: "9", count: 700))
        #expect(state.id(at: response) == "r1" && state.id(at: prompt) == "p-\u{E9}")
        #expect(state.promptText(at: prompt) == "caf\u{E9} \u{1F600}?")
        #expect(state.response(at: other)?.text == "stays" && state.id(at: other) == "r-other")
        #expect(state.find("r1") == response && state.find("p-e\u{301}") == nil)
        #expect(snapshot?.response(at: response)?.text == String(repeating: "3", count: 700))
    }

    /// The search hash only filters byte comparisons: ids of every length from 1 to 40 bytes, each in variants
    /// that differ in a single byte (at the front, in the middle, at the end), and ids whose 16-bit hashes are
    /// equal, each keep a slot of their own and are found by exactly their bytes, in conversations searched
    /// linearly (at most `indexThreshold` messages) and in one that is indexed.
    @Test func everyIdIsFoundByItsBytesWhateverItsLengthAndHash() {
        // Ids whose search hashes collide: found among the first few thousand of a simple pattern.
        var byHash: [UInt16: String] = [:]
        var collided: [String] = []
        for number in 0..<5000 where collided.count < 6 {
            let id = "m-\(number)"
            let hash = id.utf8.withContiguousStorageIfAvailable { PairConversationState.Message.hash($0) }!
            if let earlier = byHash[hash] { collided += [earlier, id] } else { byHash[hash] = id }
        }
        #expect(collided.count >= 2)
        var groups = [collided]
        for length in 1...40 {
            let base = Array(repeating: UInt8(ascii: "a"), count: length)
            var group = [String(decoding: base, as: UTF8.self)]
            for position in Set([0, length / 2, length - 1]) {
                for byte in [UInt8(ascii: "b"), UInt8(ascii: "c")] {
                    var bytes = base
                    bytes[position] = byte
                    group.append(String(decoding: bytes, as: UTF8.self))
                }
            }
            groups.append(group)
        }
        var indexed = PairConversationState()
        var indexedSlots: [String: Int] = [:]
        for group in groups {
            #expect(group.count <= PairConversationState.indexThreshold)
            var state = PairConversationState()
            var slots: [String: Int] = [:]
            for id in group {
                slots[id] = state.setRating(.up, of: id)
                indexedSlots[id] = indexed.setRating(.up, of: id)
            }
            #expect(Set(slots.values).count == slots.count)
            for (id, slot) in slots { #expect(state.find(id) == slot && state.id(at: slot) == id) }
            #expect(state.find(group[0] + "a") == nil)
        }
        #expect(Set(indexedSlots.values).count == indexedSlots.count)
        for (id, slot) in indexedSlots { #expect(indexed.find(id) == slot && indexed.id(at: slot) == id) }
        #expect(indexed.find(String(repeating: "a", count: 41)) == nil && indexed.find("m-5000") == nil)
    }

    /// Every message's text follows its id in the arena: a text comes in place of the old one when the message's
    /// bytes are the arena's last, else after a new copy of the id (the id came earlier by a rating or as a
    /// prompt id, or other messages came since), and the old bytes are let go once they outweigh the live ones.
    /// Random operations on a few ids (texts of every length up to 1,500 bytes, empty and non-ASCII ones
    /// included) against a plain model of what each id holds: after every step each id is found with its kind,
    /// text, model and prompt; copies taken on the way keep what they had; the arena stays within twice the live
    /// bytes plus the compaction threshold.
    @Test func textsFollowTheirIdsThroughEveryWayOfStoringThem() {
        struct Expected {
            var isPrompt = false
            var isResponse = false
            var text = ""
            var model = ""
            var promptId = ""
        }
        var generator = SplitMix64(seed: 13)
        func random(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
        let ids = ["p0", "p1", "r0", "r1", "r2", "x-\u{E9}", "long-id-\(String(repeating: "z", count: 40))"]
        let models = ["m", "", "model-\u{1F600}"]
        func text() -> String {
            switch random(4) {
            case 0: ""
            case 1: "\u{E9}\u{1F600}" + String(repeating: "t", count: random(20))
            case 2: String(repeating: "\(random(10))", count: random(1_500))
            default: "text \(random(1000))"
            }
        }
        func check(_ state: PairConversationState, _ model: [String: Expected]) {
            for id in ids {
                guard let slot = state.find(id) else {
                    #expect(model[id] == nil, "\(id) lost")
                    continue
                }
                #expect(state.id(at: slot) == id)
                let expected = model[id] ?? Expected()
                #expect(state.promptText(at: slot) == (expected.isPrompt ? expected.text : nil), "\(id)")
                let response = state.response(at: slot)
                #expect(response?.text == (expected.isResponse ? expected.text : nil), "\(id)")
                #expect(response?.model == (expected.isResponse ? expected.model : nil), "\(id)")
                #expect(state.promptId(ofResponse: slot) == (expected.isResponse ? expected.promptId : nil), "\(id)")
            }
        }
        var state = PairConversationState()
        var model: [String: Expected] = [:]
        var copies: [(PairConversationState, [String: Expected])] = []
        for step in 0..<4_000 {
            let id = ids[random(ids.count)]
            switch random(5) {
            case 0:
                let body = text()
                state.recordPrompt(id: id, text: body)
                model[id] = Expected(isPrompt: true, text: body)
            case 1, 2:
                let (body, name, prompt) = (text(), models[random(models.count)], ids[random(2)])
                _ = state.recordResponse(id: id, text: body, model: name, promptId: prompt)
                model[id] = Expected(isResponse: true, text: body, model: name, promptId: prompt)
                if model[prompt] == nil { model[prompt] = Expected() }
            case 3:
                _ = state.setRating(random(2) == 0 ? .up : .down, of: id)
                if model[id] == nil { model[id] = Expected() }
            default:
                _ = state.markRegenerated(id)
                if model[id] == nil { model[id] = Expected() }
            }
            check(state, model)
            let live = ids.reduce(0) { $0 + $1.utf8.count + (model[$1].map { $0.text.utf8.count } ?? 0) }
            #expect(state.arenaByteCount <= 2 * live + 1024 + 3_200, "step \(step)")
            if step % 500 == 0 { copies.append((state, model)) }
        }
        for (copy, expected) in copies { check(copy, expected) }
    }

    /// A pair message is 32 bytes: one offset (the text follows the id in the arena) and counts instead of two
    /// Strings (it was 48, then 40 with an offset each).
    @Test func aPairMessageIs32Bytes() {
        #expect(MemoryLayout<PairConversationState.Message>.stride == 32)
    }

    @Test func aCopyOfALongConversationIsUnchangedByTheOriginal() {
        var state = PairConversationState()
        state.recordPrompt(id: "p", text: "q")
        for index in 0..<30 {
            _ = state.recordResponse(id: "r\(index)", text: "t\(index)", model: "m", promptId: "p")
        }
        _ = state.setRating(.up, of: "r0")
        let copy = state
        let down = state.setRating(.down, of: "r1")
        let added = state.recordResponse(id: "r-new", text: "new", model: "m", promptId: "p")
        _ = state.markRegenerated("r2")
        let first = state.find("r0")!
        #expect(state.siblings(of: first, .downOrRegenerated) == [down, state.find("r2")!])
        #expect(state.find("r-new") == added)
        #expect(copy.find("r-new") == nil && copy.find("r1") == down)
        #expect(copy.siblings(of: first, .downOrRegenerated).isEmpty)
        #expect(copy.siblings(of: down, .up) == [first])
        #expect(copy.messages.count == state.messages.count - 1)
    }

    /// A response names its model by place: past the threshold the places are indexed, and every response
    /// keeps its own model whichever way it was found, the empty model included.
    @Test func responsesKeepTheirModelsPastTheModelIndex() {
        var state = PairConversationState()
        state.recordPrompt(id: "p", text: "q")
        let models = (0..<40).map { "model-\($0 % 23)" } + ["", "model-0"]
        var slots: [Int] = []
        for (index, model) in models.enumerated() {
            slots.append(state.recordResponse(id: "r\(index)", text: "t\(index)", model: model, promptId: "p"))
        }
        for (index, model) in models.enumerated() { #expect(state.response(at: slots[index])?.model == model) }
    }

    /// A checkpoint writes a response's prompt by id; restoring finds the prompt's slot again, or makes one for
    /// an id no message has (a checkpoint of a build that made prompt slots only when a pair waited), in a short
    /// conversation and in one long enough to be indexed.
    @Test(arguments: [3, 30])
    func aRestoredStateAnswersAsTheOriginal(turns: Int) throws {
        var state = PairConversationState()
        for turn in 0..<turns {
            state.recordPrompt(id: "p\(turn)", text: "prompt \(turn)")
            let first = state.recordResponse(id: "r\(turn)a", text: "a\(turn)", model: "m", promptId: "p\(turn)")
            let second = state.recordResponse(id: "r\(turn)b", text: "b\(turn)", model: "n", promptId: "p\(turn)")
            _ = state.setRating(.up, of: "r\(turn)a")
            _ = state.markRegenerated("r\(turn)b")
            _ = state.claimed.insert(chosen: first, rejected: second)
        }
        // A response to a prompt never seen; responses without a model and by a third model.
        let orphan = state.recordResponse(id: "r-orphan", text: "?", model: "m", promptId: "p-missing")
        let modelless = state.recordResponse(id: "r-none", text: "-", model: "", promptId: "p0")
        let third = state.recordResponse(id: "r-o", text: "o", model: "o", promptId: "p0")
        #expect(state.response(at: modelless)?.model == "" && state.response(at: third)?.model == "o")
        #expect(state.response(at: orphan)?.model == "m")
        var writer = StateWriter()
        state.encode(to: &writer)
        var reader = StateReader(writer.bytes)
        let restored = try PairConversationState(from: &reader)
        #expect(restored.messages.count == state.messages.count)
        for slot in state.messages.indices {
            #expect(restored.id(at: slot) == state.id(at: slot))
            #expect(restored.promptId(ofResponse: slot) == state.promptId(ofResponse: slot))
            #expect(restored.response(at: slot)?.text == state.response(at: slot)?.text)
            #expect(restored.response(at: slot)?.model == state.response(at: slot)?.model)
            #expect(restored.siblings(of: slot, .up) == state.siblings(of: slot, .up))
            #expect(restored.siblings(of: slot, .downOrRegenerated) == state.siblings(of: slot, .downOrRegenerated))
        }
        #expect(restored.promptId(ofResponse: orphan) == "p-missing")
        let chosen = try #require(restored.find("r\(turns - 1)a"))
        let rejected = try #require(restored.find("r\(turns - 1)b"))
        #expect(
            restored.resolvedPrompt(chosen: chosen, rejected: rejected).flatMap { restored.promptText(at: $0) }
                == "prompt \(turns - 1)")
        #expect(restored.claimed.contains(chosen: chosen, rejected: rejected))
        #expect(restored.resolvedPrompt(chosen: orphan, rejected: chosen) == nil)
    }
}
