import Testing

@testable import FlywheelSignals

/// The required fields of CONTRACT section 1's table, per event type, in table order: the decoder checks them as
/// bit sets (the lowest missing bit is the first missing field), and the lists are read from those sets.
struct ChatFieldTests {
    @Test func requiredFieldsAreTheContractTable() {
        #expect(ChatField.alwaysRequired == [.eventId, .type, .timestamp, .conversationId])
        let table: [ChatEventType: [ChatField]] = [
            .prompt: [.messageId, .text],
            .response: [.messageId, .parentId, .model, .text, .latencyMs],
            .feedback: [.parentId, .model, .rating],
            .regenerate: [.parentId, .model],
            .copy: [.parentId, .model],
            .choice: [.parentId, .rejectedId],
            .error: [.model],
        ]
        for type in ChatEventType.allCases {
            #expect(ChatField.required(by: type) == table[type], "\(type)")
        }
    }
}
