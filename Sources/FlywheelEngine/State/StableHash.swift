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

    @inlinable
    static func hash(bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }

    /// A stable hash of a two-part key, without building the joined string.
    @inlinable
    public static func hash(_ first: String, _ second: String) -> UInt64 {
        let a = hash(first)
        let b = hash(second)
        return a ^ (b &* 0x9e37_79b9_7f4a_7c15 &+ (a << 6) &+ (a >> 2))
    }

    /// The shard (0..<count) that owns `key`.
    @inlinable
    public static func shard(of key: String, count: Int) -> Int {
        count <= 1 ? 0 : Int(hash(key) % UInt64(count))
    }
}
