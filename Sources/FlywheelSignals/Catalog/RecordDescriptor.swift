import FlywheelEngine

/// What the contract and the pipeline say about one record kind: its name, whether it is a signal,
/// when `OrderedOutput` may release it, which operator produces it, its file order and its pipeline
/// parameters. `RecordKind.descriptor` holds one per kind.
public struct RecordDescriptor: Sendable {
    /// Signals are computed by operators, enabled under `signals:` and counted in `signals_out`; side
    /// outputs (CONTRACT section 4) are always written.
    public enum Role: Sendable, Equatable {
        case signal, sideOutput
    }

    public var kind: RecordKind
    /// The `signal` value and the output file name without `.jsonl`.
    public var name: String
    public var role: Role
    /// When a record is final (no shard can still produce one that sorts before it).
    public var release: ReleaseRule
    /// The stateful operator that computes the signal; an operator runs only when a kind it produces is
    /// enabled. Nil for side outputs, which the ingest raises (validation, late check) and the pair
    /// operator adds to (unresolved references).
    public var producer: OperatorID?
    /// The file order of CONTRACT section 6, in words; `OutputSortKey` holds it, its first component being
    /// what `release` compares.
    public var sortKey: String
    /// The keys of the kind's mapping under `signals:` in a pipeline file, in rendering order.
    public var parameters: [String]

    init(
        _ kind: RecordKind, _ name: String, _ role: Role, release: ReleaseRule, producer: OperatorID?,
        sortKey: String, parameters: [String]
    ) {
        self.kind = kind
        self.name = name
        self.role = role
        self.release = release
        self.producer = producer
        self.sortKey = sortKey
        self.parameters = parameters
    }
}

/// When `OrderedOutput` releases a record, given the slowest shard's watermark W and input sequence.
public enum ReleaseRule: Sendable, Equatable {
    /// A window or session record, keyed first by its end: final once `W >= end - 1 + allowed_lateness`.
    case windowEnd
    /// A record keyed first by an event timestamp t: final once `W >= t + allowed_lateness`.
    case timestamp
    /// A record keyed first by the input element it arose after: final once every shard has passed it.
    case inputSequence
    /// Raised in order by the producer itself: final at once.
    case immediately

    /// The largest first sort-key component that can be released.
    @inline(__always)
    func limit(watermark: EventTime, sequence: Int64, allowedLatenessMs: Int64) -> Int64 {
        switch self {
        case .immediately: return .max
        case .inputSequence: return sequence
        case .timestamp: return watermark == .max ? .max : watermark.adding(-allowedLatenessMs).millis
        case .windowEnd: return watermark == .max ? .max : watermark.adding(1 - allowedLatenessMs).millis
        }
    }
}
