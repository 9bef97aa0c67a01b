import FlywheelEngine
import FlywheelSignals

/// A `model_quality` record: one window of one (model, variant).
public struct QualityRecord: Equatable, Sendable {
    public var windowStart: EventTime
    public var windowEnd: EventTime
    public var model: String
    public var variant: String
    public var responses: Int64
    public var feedbackUp: Int64
    public var feedbackDown: Int64
    public var regenerations: Int64
    public var copies: Int64
    public var errors: Int64
    /// nil when the window has no responses.
    public var latency: LatencyWindow?
    public var tokensIn: Int64
    public var tokensOut: Int64
}

/// A `quality_alert` record.
public struct AlertRecord: Equatable, Sendable, Codable {
    public var windowStart: EventTime
    public var windowEnd: EventTime
    public var model: String
    public var variant: String
    public var downRate: Double
    public var feedback: Int64
}

/// A `preference_pair` record.
public struct PairRecord: Equatable, Sendable, Codable {
    public var pairId: String
    public var conversationId: String
    public var source: String
    public var prompt: String
    public var chosen: String
    public var rejected: String
    public var chosenModel: String
    public var rejectedModel: String
    public var timestamp: EventTime
}

/// One message of an `sft_example`.
public struct SFTMessage: Equatable, Sendable, Codable {
    public var role: String
    public var content: String
}

/// An `sft_example` record.
public struct SFTRecord: Equatable, Sendable, Codable {
    public var conversationId: String
    public var messages: [SFTMessage]
}
