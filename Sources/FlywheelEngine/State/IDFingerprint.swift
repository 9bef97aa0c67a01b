/// A 128-bit fingerprint of an id, kept in its place: `StableHash.hash` (FNV-1a) and
/// `StableHash.xxh64`, two hashes by different algorithms.
///
/// Two ids are taken for one only when both hashes agree: about one chance in 2^127 for a pair of
/// distinct ids (the first hash's lowest bit is forced to 1, to tell used table slots from empty ones).
public struct IDFingerprint: Hashable, Sendable, Comparable {
    /// `StableHash.hash` of the id with the low bit set; where the id's table slot is.
    public let high: UInt64
    /// `StableHash.xxh64` of the id.
    public let low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high | 1
        self.low = low
    }

    /// The fingerprint of `id`; `hash` is `StableHash.hash(id)`, computed when not given.
    @inlinable
    public init(_ id: String, hash: UInt64? = nil) {
        self.init(high: hash ?? StableHash.hash(id), low: StableHash.xxh64(id))
    }

    /// The fingerprint of the id whose UTF-8 is `utf8`; `hash` is `StableHash.hash(bytes: utf8)`, computed when
    /// not given.
    @inlinable
    public init(utf8: UnsafeBufferPointer<UInt8>, hash: UInt64? = nil) {
        self.init(high: hash ?? StableHash.hash(bytes: utf8), low: StableHash.xxh64(bytes: utf8))
    }

    public static func < (lhs: IDFingerprint, rhs: IDFingerprint) -> Bool {
        lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
    }
}
