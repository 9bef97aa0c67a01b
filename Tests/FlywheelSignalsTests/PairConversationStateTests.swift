import Testing

@testable import FlywheelSignals

/// A pair message stores one text, model and prompt id for either kind: a message id names the latest event
/// with it (CONTRACT 3.2), so a prompt that reuses a response's id ends that response, and the reverse.
struct PairConversationStateTests {
    @Test func aMessageIsAPromptAResponseOrNeitherAndTheLatestEventDecides() {
        var state = PairConversationState()
        let prompt = state.recordPrompt(id: "p1", text: "what is 2 + 2?")
        let response = state.recordResponse(id: "r1", text: "4", model: "m", promptId: "p1")
        #expect(state.messages[prompt].promptText == "what is 2 + 2?" && state.messages[prompt].response == nil)
        #expect(state.messages[response].promptText == nil)
        #expect(state.messages[response].response?.text == "4" && state.messages[response].response?.model == "m")
        #expect(state.resolve(chosen: response, rejected: response)?.prompt == "what is 2 + 2?")

        // A rating alone makes a message that is neither.
        let rated = state.setRating(.up, of: "r2")
        #expect(state.messages[rated].promptText == nil && state.messages[rated].response == nil)
        #expect(state.messages[rated].rating == .up)

        // A prompt reusing the response's id ends the response (its prompt id and model are gone too)...
        #expect(state.recordPrompt(id: "r1", text: "again") == response)
        #expect(state.messages[response].response == nil && state.messages[response].promptText == "again")
        #expect(state.siblings(of: response, .up).isEmpty)
        // ...and a response reusing a prompt's id ends the prompt; it counts as a response first seen now.
        #expect(state.recordResponse(id: "r1", text: "5", model: "n", promptId: "p1") == response)
        #expect(state.messages[response].promptText == nil)
        #expect(state.messages[response].response?.promptId == "p1")
        #expect(state.messages[response].responseOrder == 2)
        let second = state.recordResponse(id: "r3", text: "four", model: "m", promptId: "p1")
        #expect(state.messages[second].responseOrder == 3)
        // A later response for the same message keeps its first order.
        #expect(state.recordResponse(id: "r3", text: "4.0", model: "m", promptId: "p1") == second)
        #expect(state.messages[second].responseOrder == 3 && state.messages[second].response?.text == "4.0")
        _ = state.setRating(.up, of: "r3")
        #expect(state.siblings(of: response, .up) == [second])
    }
}
