/// Tuning knobs of ``ConversationGenerator``.
///
/// Rates are probabilities in `0...1`. Equal options always produce byte-identical output.
public struct GeneratorOptions: Sendable, Equatable {
    /// Number of conversations to generate (about 12 events each on average).
    public var conversations: Int = 1000
    /// Seed of every random choice; nothing else (no clock, no global RNG) influences the output.
    public var seed: UInt64 = 42
    /// Epoch milliseconds of the first conversation's first prompt (a date in late 2026).
    public var start: Int64 = 1_795_000_000_000
    /// Arrival rate of new conversations (Poisson), so many conversations are open at once.
    public var conversationsPerMinute: Double = 60
    /// Fraction of valid events whose line is re-emitted verbatim a few to a few hundred lines later.
    public var duplicateRate: Double = 0.01
    /// Fraction of events that arrive 10-120 s after their timestamp, far beyond the disorder bound.
    public var lateRate: Double = 0.002
    /// Fraction of events followed by an extra line that violates the input contract.
    public var malformedRate: Double = 0.001
    /// Fraction of conversations (hence about that fraction of timestamps) written with a UTC offset instead of `Z`.
    public var utcOffsetRate: Double = 0.1
    /// Largest arrival delay of normal events; keep it below the engine's out-of-orderness bound (5 s).
    public var maxDisorderMs: Int64 = 3_000
    /// Fraction of prompts that contain an e-mail address or a phone number.
    public var piiRate: Double = 0.05

    /// Creates options; every parameter defaults to the documented value.
    public init(
        conversations: Int = 1000,
        seed: UInt64 = 42,
        start: Int64 = 1_795_000_000_000,
        conversationsPerMinute: Double = 60,
        duplicateRate: Double = 0.01,
        lateRate: Double = 0.002,
        malformedRate: Double = 0.001,
        utcOffsetRate: Double = 0.1,
        maxDisorderMs: Int64 = 3_000,
        piiRate: Double = 0.05
    ) {
        self.conversations = conversations
        self.seed = seed
        self.start = start
        self.conversationsPerMinute = conversationsPerMinute
        self.duplicateRate = duplicateRate
        self.lateRate = lateRate
        self.malformedRate = malformedRate
        self.utcOffsetRate = utcOffsetRate
        self.maxDisorderMs = maxDisorderMs
        self.piiRate = piiRate
    }
}

/// What one run of ``ConversationGenerator`` wrote.
///
/// `lines == events + duplicates + malformed`.
public struct GeneratorStats: Sendable, Equatable {
    /// Lines written (each ends in `\n`).
    public var lines: Int
    /// Distinct valid logical events (first copies only).
    public var events: Int
    /// Verbatim re-emissions of earlier valid lines.
    public var duplicates: Int
    /// Events delayed far beyond the disorder bound (they are counted in `events` too).
    public var late: Int
    /// Lines that violate the input contract (bad JSON, missing or invalid fields).
    public var malformed: Int
    /// Conversations generated.
    public var conversations: Int

    /// Creates statistics; every count defaults to zero.
    public init(
        lines: Int = 0, events: Int = 0, duplicates: Int = 0, late: Int = 0, malformed: Int = 0, conversations: Int = 0
    ) {
        self.lines = lines
        self.events = events
        self.duplicates = duplicates
        self.late = late
        self.malformed = malformed
        self.conversations = conversations
    }
}
