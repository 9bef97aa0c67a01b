@testable import FlywheelSignals

/// The pair state's operations with Strings, for tests: the operators hand it the event's bytes.
extension PairConversationState {
    func find(_ id: String) -> Int? {
        var id = id
        return id.withUTF8 { find(utf8: $0) }
    }

    @discardableResult
    mutating func recordPrompt(id: String, text: String) -> Int {
        var (id, text) = (id, text)
        return id.withUTF8 { id in text.withUTF8 { recordPrompt(id: id, text: $0) } }
    }

    mutating func recordResponse(id: String, text: String, model: String, promptId: String) -> Int {
        var (id, text, model, promptId) = (id, text, model, promptId)
        return id.withUTF8 { id in
            promptId.withUTF8 { promptId in
                model.withUTF8 { model in
                    text.withUTF8 { recordResponse(id: id, text: $0, model: model, promptId: promptId) }
                }
            }
        }
    }

    mutating func setRating(_ rating: Rating, of id: String) -> Int {
        var id = id
        return id.withUTF8 { setRating(rating, of: $0) }
    }

    mutating func markRegenerated(_ id: String) -> Int {
        var id = id
        return id.withUTF8 { markRegenerated($0) }
    }
}
