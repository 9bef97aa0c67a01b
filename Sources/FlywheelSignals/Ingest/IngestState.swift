import FlywheelEngine

/// What happened to one input line in the ingest steps of CONTRACT section 2.
public enum IngestOutcome: Sendable {
    case accepted(ChatEvent, watermarkBefore: EventTime)
    case invalid(ValidationFailure)
    case duplicate
    /// Late: the event and the watermark at its arrival.
    case late(ChatEvent, watermark: EventTime)
}

/// The sequential front of the pipeline: de-duplication, the late check and the watermark, applied
/// to decoded lines in arrival order. Counts `events_in`, `invalid_events`, `duplicates_dropped`,
/// `late_events` and `events_accepted`.
public struct IngestState: Sendable {
    public private(set) var counters = SignalCounters()
    public private(set) var watermarks: WatermarkTracker
    var deduplicator: Deduplicator
    let allowedLatenessMs: Int64
    private var acceptedSinceExpiry = 0

    public init(time: PipelineConfig.Time, partitions: Int) {
        watermarks = WatermarkTracker(partitions: partitions, maxOutOfOrdernessMs: time.maxOutOfOrdernessMs)
        deduplicator = Deduplicator(ttlMs: time.dedupTTLMs)
        allowedLatenessMs = time.allowedLatenessMs
    }

    init(
        restoring counters: SignalCounters, watermarks: WatermarkTracker, deduplicator: Deduplicator,
        allowedLatenessMs: Int64
    ) {
        self.counters = counters
        self.watermarks = watermarks
        self.deduplicator = deduplicator
        self.allowedLatenessMs = allowedLatenessMs
    }

    /// Event ids the de-duplication remembers (by fingerprint).
    public var rememberedIDs: Int { deduplicator.count }

    /// The combined watermark W.
    public var watermark: EventTime { watermarks.current }

    /// Carries the per-partition watermark state over to changed source partitions (`WatermarkTracker.remap`).
    public mutating func remapPartitions(_ mapping: [Int?]) { watermarks.remap(mapping) }

    /// Applies validate (already done by the decoder), de-dup, late check and the watermark update.
    /// `idHash` is `idHash(of: line)`, computed when not given.
    public mutating func ingest(_ line: consuming DecodedLine, partition: Int, idHash: UInt64? = nil) -> IngestOutcome {
        counters.eventsIn += 1
        let event: ChatEvent
        switch consume line {
        case .invalid(let failure, _):
            counters.invalidEvents += 1
            return .invalid(failure)
        case .event(let decoded):
            event = decoded
        }
        let w = watermarks.current
        let fingerprint = event.withId(.eventId) { IDFingerprint(utf8: $0!, hash: idHash) }
        if deduplicator.checkAndInsert(fingerprint, at: event.time, watermark: w) {
            counters.duplicatesDropped += 1
            return .duplicate
        }
        if event.time.adding(allowedLatenessMs) <= w {
            counters.lateEvents += 1
            return .late(event, watermark: w)
        }
        counters.eventsAccepted += 1
        _ = watermarks.observe(event.time, partition: partition)
        acceptedSinceExpiry += 1
        if acceptedSinceExpiry >= 4096 {
            acceptedSinceExpiry = 0
            deduplicator.expire(watermark: watermarks.current)
        }
        return .accepted(event, watermarkBefore: w)
    }

    /// Starts loading the de-duplication slot of `line`'s event into the cache. Touching the slots
    /// of a run of lines before ingesting them one by one makes their cache misses overlap instead
    /// of taking turns. The result only serves to keep the load.
    @inline(__always)
    public func touch(idHash: UInt64) -> UInt64 { deduplicator.touch(hash: idHash) }

    /// `StableHash.hash` of the line's event id (0 for an invalid line), for `touch` and `ingest`.
    @inline(__always)
    public static func idHash(of line: DecodedLine) -> UInt64 {
        guard case .event(let event) = line else { return 0 }
        return event.withId(.eventId) { StableHash.hash(bytes: $0!) }
    }

    /// Marks a source partition as finished; returns true when the watermark moved.
    public mutating func finish(partition: Int) -> Bool { watermarks.finish(partition: partition) }

    /// The idle advance of CONTRACT section 8 (every partition idle): W moves to `time` when that is
    /// ahead of it; returns true when it moved.
    public mutating func advanceIdle(to time: EventTime) -> Bool { watermarks.advance(to: time) }

    /// Marks a source partition idle or active (live sources only).
    public mutating func setIdle(_ idle: Bool, partition: Int) -> Bool {
        watermarks.setIdle(idle, partition: partition)
    }
}
