import Foundation

extension SFTRecord {
    /// Decodes an `sft_example` line (nested messages need Foundation's parser; only shown samples pay for it).
    init?(jsonLine: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any],
            let messages = object["messages"] as? [[String: Any]]
        else { return nil }
        self.conversationId = object["conversation_id"] as? String ?? ""
        self.messages = messages.map {
            SFTMessage(role: $0["role"] as? String ?? "", content: $0["content"] as? String ?? "")
        }
    }
}
