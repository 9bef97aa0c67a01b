/// The Strings of ids seen lately, found again by their bytes: the events of a conversation repeat its
/// conversation id and user id, and prompts, responses and ratings share message ids, so that one String
/// serves them all instead of an allocation per event (and a free on the shard that drops it).
///
/// Only for ids of 16 bytes or more (UUIDs are 36): a shorter String holds its bytes inline and costs
/// nothing to build. Direct-mapped: a slot keeps the last id whose bytes hashed to it, so a lookup is one
/// hash of the first and last eight bytes, one comparison, and a miss costs what building the String did.
/// Owned by one decoder.
struct InternedIds {
    /// Open conversations and their recent messages fit; 4,096 slots of 24 bytes, plus the Strings.
    static let slotCount = 4096
    /// Longer ids are built each time (they do not repeat enough to pay for the comparison).
    static let maximumCount = 128

    /// `hashes[slot]` is the lookup hash of `strings[slot]` (odd), or 0 for an empty slot.
    private var hashes = [UInt64](repeating: 0, count: slotCount)
    private var strings = [String](repeating: "", count: slotCount)

    /// The String of `bytes[0..<count]`, well-formed UTF-8 with `16 <= count <= maximumCount`.
    mutating func string(_ bytes: UnsafePointer<UInt8>, count: Int) -> String {
        let raw = UnsafeRawPointer(bytes)
        let head = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        let tail = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self))
        var hash = (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &+ UInt64(truncatingIfNeeded: count))
        hash = (hash ^ (hash >> 29)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 32)) | 1
        let slot = Int(truncatingIfNeeded: hash >> 40) & (Self.slotCount &- 1)
        if hashes[slot] == hash, Self.holds(strings[slot], bytes, count) { return strings[slot] }
        let string = String(unsafeUninitializedCapacity: count) { buffer in
            buffer.baseAddress?.initialize(from: bytes, count: count)
            return count
        }
        hashes[slot] = hash
        strings[slot] = string
        return string
    }

    /// Whether `string` is exactly `bytes[0..<count]`.
    private static func holds(_ string: String, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        string.utf8.withContiguousStorageIfAvailable { stored in
            guard stored.count == count, let base = stored.baseAddress else { return false }
            let (mine, theirs) = (UnsafeRawPointer(base), UnsafeRawPointer(bytes))
            // Eight bytes a step, the last step ending at the last byte (count >= 8).
            var offset = 0
            while true {
                let at = Swift.min(offset, count &- 8)
                if mine.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                    != theirs.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                {
                    return false
                }
                if at == count &- 8 { return true }
                offset &+= 8
            }
        } ?? false
    }
}
