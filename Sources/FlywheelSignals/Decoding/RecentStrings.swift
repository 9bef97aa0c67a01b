/// The last few distinct short values of fields that take a handful of values (models, variants), found
/// again by their bytes.
///
/// A hit costs a few word compares where building a String costs a closure call, a copy and an ASCII check.
/// Ids are not kept here: too many are in use at once (events keep them as bytes). Owned by one decoder.
struct RecentStrings {
    static let maximumCount = 15

    /// Invariant: `strings[i]` has the bytes that `keys[i]` packs; the zero key packs "".
    private var keys = InlineArray<8, Key>(repeating: Key(head: 0, tail: 0))
    private var strings = InlineArray<8, String>(repeating: "")
    private var next = 0

    /// A string's bytes, little-endian and zero-padded, with its length in the top byte of `tail`.
    private struct Key: Equatable {
        var head: UInt64
        var tail: UInt64
    }

    /// The String of `bytes[0..<count]`, well-formed UTF-8 with `count <= 15`. `bytes[0..<16]` must be readable.
    mutating func string(_ bytes: UnsafePointer<UInt8>, count: Int) -> String {
        let key = Self.key(bytes, count: count)
        for index in keys.indices where keys[index] == key {
            return strings[index]
        }
        let string = String(unsafeUninitializedCapacity: count) { buffer in
            buffer.baseAddress?.initialize(from: bytes, count: count)
            return count
        }
        keys[next] = key
        strings[next] = string
        next = (next &+ 1) & (keys.count &- 1)
        return string
    }

    @inline(__always)
    private static func key(_ bytes: UnsafePointer<UInt8>, count: Int) -> Key {
        let raw = UnsafeRawPointer(bytes)
        let head = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        let tail = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        let length = UInt64(truncatingIfNeeded: count) << 56
        if count >= 8 {
            return Key(head: head, tail: tail & ((1 &<< UInt64(truncatingIfNeeded: (count &- 8) &* 8)) &- 1) | length)
        }
        return Key(head: head & ((1 &<< UInt64(truncatingIfNeeded: count &* 8)) &- 1), tail: length)
    }
}
