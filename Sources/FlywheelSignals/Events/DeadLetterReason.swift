/// Why an input record was not processed (CONTRACT section 4).
public enum DeadLetterReason: String, Sendable, Equatable {
    case malformedJSON = "malformed_json"
    case missingField = "missing_field"
    case invalidField = "invalid_field"
    case unresolvedReference = "unresolved_reference"
    case tooLarge = "too_large"
}

/// A validation failure: the reason and a human-readable detail naming the field.
public struct ValidationFailure: Sendable, Equatable, Error {
    public var reason: DeadLetterReason
    public var detail: String

    public init(_ reason: DeadLetterReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
}
