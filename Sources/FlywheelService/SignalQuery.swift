import FlywheelEngine
import FlywheelInspect
import FlywheelSignals
import HTTPTypes
import Hummingbird
import HummingbirdCore

extension ServiceError.Code {
    /// A query parameter or header of a read request that cannot work (400).
    static let invalidParameter = Self(raw: "invalid_parameter")
    /// A signal kind that does not exist (404).
    static let unknownKind = Self(raw: "unknown_kind")
    /// The pipeline writes the kind to no topic the read API can read (409).
    static let noSignalTopic = Self(raw: "no_signal_topic")
    /// A signal topic could not be read (500).
    static let readFailed = Self(raw: "read_failed")
}

/// The query of a read request: the kind, the filters, and for a list the limit and the page.
struct SignalQuery {
    static let defaultLimit = 1000
    static let maxLimit = 100_000

    var kind: RecordKind
    var filter = SignalFilter()
    var limit = SignalQuery.defaultLimit
    /// Only records before this position (paging backwards).
    var before: Int64?
    /// The stream: the first position wanted.
    var from: Int64?

    /// Parses the kind and the parameters `allowed` names (others are refused, naming those that are taken).
    init(kind name: String, parameters: FlatDictionary<Substring, Substring>, allowed: [String])
        throws(ServiceError)
    {
        guard let kind = RecordKind(signalName: name) else {
            throw ServiceError(
                .unknownKind,
                "unknown signal kind '\(name)'; kinds: " + RecordKind.allCases.map(\.name).joined(separator: ", "))
        }
        self.kind = kind
        for (key, _) in parameters where !key.isEmpty && !allowed.contains(String(key)) {
            throw ServiceError(
                .invalidParameter,
                "unknown parameter '\(key)'; this endpoint takes " + allowed.joined(separator: ", "))
        }
        filter = try Self.filters(parameters, kind: kind)
        if let text = try Self.single("limit", parameters) {
            guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                throw ServiceError(
                    .invalidParameter, "limit must be a whole number from 1 to \(Self.maxLimit), got '\(text)'")
            }
            limit = value
        }
        before = try Self.position("before", parameters)
        from = try Self.position("from", parameters)
    }

    /// The since, until, model and variant filters, refused for a kind without the field they apply to.
    static func filters(
        _ parameters: FlatDictionary<Substring, Substring>, kind: RecordKind?
    ) throws(ServiceError) -> SignalFilter {
        var filter = SignalFilter()
        filter.since = try time("since", parameters)
        filter.until = try time("until", parameters)
        if let since = filter.since, let until = filter.until, until <= since {
            throw ServiceError(.invalidParameter, "until must be after since")
        }
        filter.models = Set(parameters[values: "model"].map(String.init))
        filter.variants = Set(parameters[values: "variant"].map(String.init))
        guard let kind else { return filter }
        if filter.since != nil || filter.until != nil, SignalFilter.timeField(of: kind) == nil {
            throw ServiceError(
                .invalidParameter, "\(kind.name) records have no time field: since and until do not apply to them")
        }
        if !filter.models.isEmpty, SignalFilter.modelField(of: kind) == nil {
            throw ServiceError(.invalidParameter, "\(kind.name) records name no model: model does not apply to them")
        }
        if !filter.variants.isEmpty, !SignalFilter.hasVariant(kind) {
            throw ServiceError(
                .invalidParameter, "\(kind.name) records have no variant: variant does not apply to them")
        }
        return filter
    }

    /// A time parameter: RFC 3339 with a zone, or milliseconds since the Unix epoch.
    static func time(_ name: String, _ parameters: FlatDictionary<Substring, Substring>) throws(ServiceError)
        -> EventTime?
    {
        guard let text = try single(name, parameters) else { return nil }
        if let millis = Int64(text) { return EventTime(millis: millis) }
        guard let time = EventTime.parseRFC3339(text) else {
            throw ServiceError(
                .invalidParameter,
                "\(name) must be an RFC 3339 time with a zone (2026-11-18T11:00:00Z) or epoch milliseconds, "
                    + "got '\(text)'")
        }
        return time
    }

    /// A position parameter: a record offset, 0 or more.
    static func position(_ name: String, _ parameters: FlatDictionary<Substring, Substring>) throws(ServiceError)
        -> Int64?
    {
        guard let text = try single(name, parameters) else { return nil }
        guard let value = Int64(text), value >= 0 else {
            throw ServiceError(.invalidParameter, "\(name) must be a record position (0 or more), got '\(text)'")
        }
        return value
    }

    /// The value of a parameter given at most once.
    static func single(_ name: String, _ parameters: FlatDictionary<Substring, Substring>) throws(ServiceError)
        -> String?
    {
        let values = parameters[values: Substring(name)]
        guard values.count <= 1 else { throw ServiceError(.invalidParameter, "\(name) is given more than once") }
        return values.first.map(String.init)
    }
}
