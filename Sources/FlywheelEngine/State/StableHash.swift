/// A hash of a key's UTF-8 bytes that is the same in every process and on every machine
/// (Swift's `Hasher` is seeded per process), used to route keys to shards and key groups.
public enum StableHash {
    /// 64-bit FNV-1a over the UTF-8 bytes, finished with a murmur-style mix for better low bits.
    @inlinable
    public static func hash(_ key: String) -> UInt64 {
        // Over the contiguous bytes: iterating `key.utf8` costs several times more per byte.
        // Borrowed, not copied: `withUTF8` would need a mutable copy, a retain and a release.
        if let hash = key.utf8.withContiguousStorageIfAvailable(hash(bytes:)) { return hash }
        var copy = key
        return copy.withUTF8(hash(bytes:))
    }

    /// `hash` of a string's UTF-8 bytes.
    @inlinable
    public static func hash(bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }

    /// XXH64 (xxHash, 64-bit, seed 0) of the UTF-8 bytes: a second hash, by another algorithm than
    /// `hash`, so that the pair of them fingerprints a key (the de-duplicator's event ids). It reads
    /// 8 bytes a step where `hash` reads one; values match the reference `xxhsum -H1`.
    @inlinable
    public static func xxh64(_ key: String) -> UInt64 {
        if let hash = key.utf8.withContiguousStorageIfAvailable(xxh64(bytes:)) { return hash }
        var copy = key
        return copy.withUTF8(xxh64(bytes:))
    }

    @inlinable
    public static func xxh64(bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = bytes.baseAddress else { return XXH64.avalanche(XXH64.p5) }
        let raw = UnsafeRawPointer(base)
        let count = bytes.count
        var offset = 0
        var h: UInt64
        if count >= 32 {
            var v = (XXH64.p1 &+ XXH64.p2, XXH64.p2, UInt64(0), 0 &- XXH64.p1)
            while offset + 32 <= count {
                v.0 = XXH64.round(v.0, XXH64.word(raw, offset))
                v.1 = XXH64.round(v.1, XXH64.word(raw, offset + 8))
                v.2 = XXH64.round(v.2, XXH64.word(raw, offset + 16))
                v.3 = XXH64.round(v.3, XXH64.word(raw, offset + 24))
                offset += 32
            }
            h = v.0.rotated(1) &+ v.1.rotated(7) &+ v.2.rotated(12) &+ v.3.rotated(18)
            h = XXH64.merge(XXH64.merge(XXH64.merge(XXH64.merge(h, v.0), v.1), v.2), v.3)
        } else {
            h = XXH64.p5
        }
        h &+= UInt64(count)
        while offset + 8 <= count {
            h ^= XXH64.round(0, XXH64.word(raw, offset))
            h = h.rotated(27) &* XXH64.p1 &+ XXH64.p4
            offset += 8
        }
        if offset + 4 <= count {
            let half = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            h ^= half &* XXH64.p1
            h = h.rotated(23) &* XXH64.p2 &+ XXH64.p3
            offset += 4
        }
        while offset < count {
            h ^= UInt64(bytes[offset]) &* XXH64.p5
            h = h.rotated(11) &* XXH64.p1
            offset += 1
        }
        return XXH64.avalanche(h)
    }

    /// A stable hash of a two-part key, without building the joined string.
    @inlinable
    public static func hash(_ first: String, _ second: String) -> UInt64 {
        combine(hash(first), hash(second))
    }

    /// `hash(_:_:)` of two strings' UTF-8 bytes.
    @inlinable
    public static func hash(bytes first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>) -> UInt64 {
        combine(hash(bytes: first), hash(bytes: second))
    }

    @inlinable
    static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        a ^ (b &* 0x9e37_79b9_7f4a_7c15 &+ (a << 6) &+ (a >> 2))
    }

    /// The shard (0..<count) that owns `key`.
    @inlinable
    public static func shard(of key: String, count: Int) -> Int {
        count <= 1 ? 0 : Int(hash(key) % UInt64(count))
    }
}

/// The constants and steps of XXH64 (https://github.com/Cyan4973/xxHash, `doc/xxhash_spec.md`).
@usableFromInline
enum XXH64 {
    @usableFromInline static let p1: UInt64 = 0x9e37_79b1_85eb_ca87
    @usableFromInline static let p2: UInt64 = 0xc2b2_ae3d_27d4_eb4f
    @usableFromInline static let p3: UInt64 = 0x1656_67b1_9e37_79f9
    @usableFromInline static let p4: UInt64 = 0x85eb_ca77_c2b2_ae63
    @usableFromInline static let p5: UInt64 = 0x27d4_eb2f_1656_67c5

    @inlinable @inline(__always)
    static func word(_ raw: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inlinable @inline(__always)
    static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        (accumulator &+ input &* p2).rotated(31) &* p1
    }

    @inlinable @inline(__always)
    static func merge(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        (accumulator ^ round(0, lane)) &* p1 &+ p4
    }

    @inlinable @inline(__always)
    static func avalanche(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* p2
        h ^= h >> 29
        h = h &* p3
        h ^= h >> 32
        return h
    }
}

extension UInt64 {
    /// Rotated left by `count` bits.
    @inlinable @inline(__always)
    func rotated(_ count: UInt64) -> UInt64 { self << count | self >> (64 - count) }
}
