import FlywheelEngine

/// The scanned values of one line, checked field by field in the contract's order.
struct FieldView {
    let values: [JSONValue?]

    subscript(_ field: ChatField) -> JSONValue? {
        switch values[field.rawValue] {
        case .none, .some(.null): return nil
        case .some(let value): return value
        }
    }

    /// The timestamp when present and valid (used for merging inputs even if the line is invalid).
    var validTimestamp: EventTime? {
        guard case .string(let text) = self[.timestamp] else { return nil }
        return EventTime.parseRFC3339(text)
    }

    func validatedEvent() throws(ValidationFailure) -> ChatEvent {
        for field in ChatField.alwaysRequired where self[field] == nil {
            throw ValidationFailure(.missingField, field.key)
        }
        guard case .string(let typeName) = self[.type], let type = ChatEventType(rawValue: typeName) else {
            throw ValidationFailure(.invalidField, "type")
        }
        for field in ChatField.required(by: type) where self[field] == nil {
            throw ValidationFailure(.missingField, field.key)
        }
        return try buildEvent(type: type)
    }

    private func buildEvent(type: ChatEventType) throws(ValidationFailure) -> ChatEvent {
        let eventId = try id(.eventId, maxScalars: 128)!
        guard case .string(let stamp) = self[.timestamp], let time = EventTime.parseRFC3339(stamp) else {
            throw ValidationFailure(.invalidField, "timestamp")
        }
        var event = ChatEvent(eventId: eventId, type: type, time: time, conversationId: try id(.conversationId)!)
        event.userId = try string(.userId)
        event.messageId = try id(.messageId)
        event.parentId = try id(.parentId)
        event.rejectedId = try id(.rejectedId)
        if type == .choice, event.rejectedId == event.parentId { throw ValidationFailure(.invalidField, "rejected_id") }
        event.model = try id(.model)
        if let variant = try string(.variant), !variant.isEmpty { event.variant = variant }
        event.text = try string(.text)
        event.latencyMs = try nonNegativeNumber(.latencyMs)
        event.tokensIn = try integer(.tokensIn) ?? 0
        event.tokensOut = try integer(.tokensOut) ?? 0
        if let rating = try string(.rating) {
            guard let value = Rating(rawValue: rating) else { throw ValidationFailure(.invalidField, "rating") }
            event.rating = value
        }
        _ = try string(.comment)
        _ = try string(.errorCode)
        return event
    }

    private func string(_ field: ChatField) throws(ValidationFailure) -> String? {
        switch self[field] {
        case .none: return nil
        case .some(.string(let text)): return text
        case .some: throw ValidationFailure(.invalidField, field.key)
        }
    }

    /// A non-empty string of at most `maxScalars` characters.
    private func id(_ field: ChatField, maxScalars: Int = .max) throws(ValidationFailure) -> String? {
        guard let text = try string(field) else { return nil }
        guard !text.isEmpty else { throw ValidationFailure(.invalidField, field.key) }
        if maxScalars != .max, text.utf8.count > maxScalars, text.unicodeScalars.count > maxScalars {
            throw ValidationFailure(.invalidField, field.key)
        }
        return text
    }

    private func nonNegativeNumber(_ field: ChatField) throws(ValidationFailure) -> Double? {
        switch self[field] {
        case .none: return nil
        case .some(.number(let value, _)) where value >= 0: return value
        case .some: throw ValidationFailure(.invalidField, field.key)
        }
    }

    private func integer(_ field: ChatField) throws(ValidationFailure) -> Int64? {
        switch self[field] {
        case .none: return nil
        case .some(.number(_, let exact?)) where exact >= 0 && exact <= 1 << 53: return exact
        case .some: throw ValidationFailure(.invalidField, field.key)
        }
    }
}
