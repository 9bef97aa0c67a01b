import FlywheelEngine

/// The scanned fields of one line, checked field by field in the contract's order.
///
/// Fields stay spans of the line until a check or the event needs them: the timestamp, `type` and `rating`
/// are read from the bytes, `comment` and `error_code` are only type-checked, and the ids, the model's and the
/// variant's names and the text are copied into the event's storage as bytes: no String is made. Valid only while
/// the line's bytes and the scanner's spans are. The field helpers are inlined: their optional, typed-throwing
/// results cost more through a call than their bodies do.
struct FieldView {
    let line: UnsafePointer<UInt8>
    let lineCount: Int
    let spans: UnsafeBufferPointer<JSONFieldSpan>
    /// Whether prompts and responses get their `textPIICount` (see `EventDecoder.countsPII`).
    let countsPII: Bool

    /// The first field in table order, of the set `fields` (`ChatField.bit`), that the line lacks.
    private func firstMissing(of fields: UInt32) -> ChatField? {
        var rest = fields
        while rest != 0 {
            let raw = rest.trailingZeroBitCount
            if !spans[raw].isPresent { return ChatField(rawValue: raw) }
            rest &= rest - 1
        }
        return nil
    }

    /// The field's span; nil when absent or null.
    @inline(__always)
    subscript(_ field: ChatField) -> JSONFieldSpan? {
        let span = spans[field.rawValue]
        return span.isPresent ? span : nil
    }

    /// The timestamp when present and valid (used for merging inputs even if the line is invalid).
    var validTimestamp: EventTime? {
        guard let span = self[.timestamp], span.kind == .string else { return nil }
        return span.withUTF8(in: line) { EventTime.parseRFC3339($0) }
    }

    /// `storage`: a pooled event storage to fill (see `ChatEventPool`), or nil.
    func validatedEvent(origin: EventOrigin, reusing storage: __owned ChatEvent.Storage? = nil)
        throws(ValidationFailure)
        -> ChatEvent
    {
        if let field = firstMissing(of: ChatField.alwaysRequiredBits) {
            throw ValidationFailure(.missingField, field.key)
        }
        guard let span = self[.type], span.kind == .string,
            let type = span.withUTF8(in: line, { ChatEventType(utf8: $0) })
        else {
            throw ValidationFailure(.invalidField, "type")
        }
        if let field = firstMissing(of: ChatField.requiredBits(by: type)) {
            throw ValidationFailure(.missingField, field.key)
        }
        return try buildEvent(type: type, origin: origin, reusing: storage)
    }

    /// Checks the fields in table order and builds the event once all of them passed.
    private func buildEvent(
        type: ChatEventType, origin: EventOrigin, reusing storage: __owned ChatEvent.Storage?
    ) throws(ValidationFailure) -> ChatEvent {
        let eventId = try idSpan(.eventId, maxScalars: 128)!
        guard let time = validTimestamp else { throw ValidationFailure(.invalidField, "timestamp") }
        let conversationId = try idSpan(.conversationId)!
        let userId = try stringSpan(.userId)
        let messageId = try idSpan(.messageId)
        let parentId = try idSpan(.parentId)
        let rejectedId = try idSpan(.rejectedId)
        // Code points, not canonical equivalence: "r\u{E9}" and "re\u{301}" are two messages (CONTRACT 1).
        if type == .choice, let rejectedId, let parentId, hasSameUTF8(rejectedId, parentId) {
            throw ValidationFailure(.invalidField, "rejected_id")
        }
        let model = try idSpan(.model)
        let variant = try stringSpan(.variant).flatMap { $0.isEmptyString ? nil : $0 }
        let text = try stringSpan(.text)
        let latencyMs = try nonNegativeNumber(.latencyMs)
        let tokensIn = try integer(.tokensIn) ?? 0
        let tokensOut = try integer(.tokensOut) ?? 0
        let rating = try rating()
        _ = try stringSpan(.comment)
        _ = try stringSpan(.errorCode)
        // One owned reference, filled in place: the ids' and the text's bytes go straight into the storage
        // (unescaped there when they need it), the text's PII is counted from them while they are in this core's
        // cache, and the line's first bytes are kept for the events a later dead letter may quote.
        let fields = ChatEvent.Storage.filled(
            reusing: consume storage, type: type, time: time, latencyMs: latencyMs, tokensIn: tokensIn,
            tokensOut: tokensOut, rating: rating, origin: origin)
        func length(_ span: JSONFieldSpan?) -> Int { span.map { $0.end &- $0.start } ?? 0 }
        let defaultVariant: StaticString = "default"
        fields.beginIds(
            capacity: length(eventId) &+ length(conversationId) &+ length(userId) &+ length(messageId)
                &+ length(parentId) &+ length(rejectedId) &+ length(model)
                &+ (variant == nil ? defaultVariant.utf8CodeUnitCount : length(variant)))
        appendId(eventId, .eventId, to: fields)
        appendId(conversationId, .conversationId, to: fields)
        appendId(userId, .userId, to: fields)
        appendId(messageId, .messageId, to: fields)
        appendId(parentId, .parentId, to: fields)
        appendId(rejectedId, .rejectedId, to: fields)
        appendId(model, .model, to: fields)
        if let variant {
            appendId(variant, .variant, to: fields)
        } else {
            fields.appendId(.variant, capacity: defaultVariant.utf8CodeUnitCount) { room in
                room.initialize(from: defaultVariant.utf8Start, count: defaultVariant.utf8CodeUnitCount)
                return defaultVariant.utf8CodeUnitCount
            }
        }
        if let text {
            fields.fillText(capacity: text.end &- text.start) { text.copyUTF8(in: line, to: $0) }
            if countsPII && (type == .prompt || type == .response) {
                fields.textPIICount = fields.unsafeText.map { PIIRedactor.count(utf8: $0) }
            }
        }
        // A response is a rule event too when ratings or a regeneration of its siblings came first.
        if type == .choice || type == .feedback || type == .regenerate || type == .response {
            fields.origin.keepRawLine(UnsafeRawBufferPointer(start: line, count: lineCount))
        }
        return ChatEvent(filled: fields)
    }

    /// Copies the UTF-8 of a string span into the event's id `field` (nothing for nil: the event has none).
    @inline(__always)
    private func appendId(_ span: JSONFieldSpan?, _ field: EventIdField, to storage: ChatEvent.Storage) {
        guard let span else { return }
        storage.appendId(field, capacity: span.end &- span.start) { span.copyUTF8(in: line, to: $0) }
    }

    /// Whether two string spans stand for the same UTF-8 (compared unescaped when either has escapes).
    private func hasSameUTF8(_ first: JSONFieldSpan, _ second: JSONFieldSpan) -> Bool {
        first.withUTF8(in: line) { first in
            second.withUTF8(in: line) { second in
                first.assumingMemoryBound(to: UInt8.self).hasSameBytes(as: second.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// The span of a string field; nil when absent, invalid when of another type.
    @inline(__always)
    private func stringSpan(_ field: ChatField) throws(ValidationFailure) -> JSONFieldSpan? {
        guard let span = self[field] else { return nil }
        guard span.kind == .string else { throw ValidationFailure(.invalidField, field.key) }
        return span
    }

    /// A non-empty string of at most `maxScalars` code points; nil when absent.
    @inline(__always)
    private func idSpan(_ field: ChatField, maxScalars: Int = .max) throws(ValidationFailure) -> JSONFieldSpan? {
        guard let span = try stringSpan(field) else { return nil }
        guard !span.isEmptyString else { throw ValidationFailure(.invalidField, field.key) }
        // A string's UTF-8 is never longer than its JSON form, and has at least one byte per code point.
        if maxScalars != .max, span.end &- span.start > maxScalars {
            let scalars = span.withUTF8(in: line) { utf8 in utf8.reduce(0) { $1 & 0xC0 == 0x80 ? $0 : $0 &+ 1 } }
            if scalars > maxScalars { throw ValidationFailure(.invalidField, field.key) }
        }
        return span
    }

    @inline(__always)
    private func rating() throws(ValidationFailure) -> Rating? {
        guard let span = try stringSpan(.rating) else { return nil }
        guard let rating = span.withUTF8(in: line, { Rating(utf8: $0) }) else {
            throw ValidationFailure(.invalidField, "rating")
        }
        return rating
    }

    /// The value of a number field; nil when absent, invalid when of another type or beyond a Double.
    @inline(__always)
    private func number(_ field: ChatField) throws(ValidationFailure) -> (value: Double, exactInteger: Int64?)? {
        guard let span = self[field] else { return nil }
        guard span.kind == .number, case .number(let value, let exactInteger) = span.number(in: line) else {
            throw ValidationFailure(.invalidField, field.key)
        }
        return (value, exactInteger)
    }

    @inline(__always)
    private func nonNegativeNumber(_ field: ChatField) throws(ValidationFailure) -> Double? {
        guard let number = try number(field) else { return nil }
        guard number.value >= 0 else { throw ValidationFailure(.invalidField, field.key) }
        return number.value
    }

    @inline(__always)
    private func integer(_ field: ChatField) throws(ValidationFailure) -> Int64? {
        guard let number = try number(field) else { return nil }
        guard let exact = number.exactInteger, exact >= 0 && exact <= 1 << 53 else {
            throw ValidationFailure(.invalidField, field.key)
        }
        return exact
    }
}
