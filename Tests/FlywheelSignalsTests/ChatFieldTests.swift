import Testing

@testable import FlywheelSignals

/// The decoder checks required fields through bit sets; they must name exactly the fields of the lists, so that
/// the first missing field (the lowest bit) is the one the table order reports.
struct ChatFieldTests {
    static func bits(_ fields: [ChatField]) -> UInt32 { fields.reduce(0) { $0 | 1 << UInt32($1.rawValue) } }

    @Test func requiredBitSetsAreTheRequiredLists() {
        #expect(ChatField.alwaysRequiredBits == Self.bits(ChatField.alwaysRequired))
        for type in ChatEventType.allCases {
            #expect(ChatField.requiredBits(by: type) == Self.bits(ChatField.required(by: type)), "\(type)")
            // Listed in table order, so the lowest missing bit is the first missing field.
            #expect(
                ChatField.required(by: type).map(\.rawValue) == ChatField.required(by: type).map(\.rawValue).sorted())
        }
        #expect(ChatField.alwaysRequired.map(\.rawValue) == ChatField.alwaysRequired.map(\.rawValue).sorted())
    }
}
