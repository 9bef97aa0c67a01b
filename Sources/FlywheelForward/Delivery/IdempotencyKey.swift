/// A 128-bit digest of a request's records, sent as its `Idempotency-Key`: the same records in the
/// same order always give the same key (on every retry and after a restart), so a receiver can drop
/// a request it has already taken. Not a cryptographic hash: it guards against replays, not forgery.
public struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    private var high: UInt64
    private var low: UInt64

    public init() {
        high = 0x6A09_E667_F3BC_C908
        low = 0xBB67_AE85_84CA_A73B
    }

    /// Mixes in one record's identity (e.g. its bytes, or its topic position).
    public mutating func add<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            add(UnsafeRawBufferPointer(buffer))
        }
        guard done == nil else { return }
        var h1 = high ^ UInt64(bytes.count)
        var h2 = low &+ UInt64(bytes.count)
        var word: UInt64 = 0
        var filled = 0
        for byte in bytes {
            word |= UInt64(byte) << (8 * UInt64(filled))
            filled += 1
            if filled == 8 {
                (h1, h2) = Self.mix(h1, h2, word)
                word = 0
                filled = 0
            }
        }
        (h1, h2) = Self.mix(h1, h2, word ^ (UInt64(filled) << 56))
        high = h1
        low = h2
    }

    /// The same as the generic `add`, eight bytes at a time (words read little-endian, as it builds them).
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var h1 = high ^ UInt64(bytes.count)
        var h2 = low &+ UInt64(bytes.count)
        var at = 0
        while at + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            (h1, h2) = Self.mix(h1, h2, word)
            at += 8
        }
        var word: UInt64 = 0
        for index in 0..<(bytes.count - at) { word |= UInt64(bytes[at + index]) << (8 * UInt64(index)) }
        (h1, h2) = Self.mix(h1, h2, word ^ (UInt64(bytes.count - at) << 56))
        high = h1
        low = h2
    }

    /// Mixes in a number (e.g. an offset).
    public mutating func add(_ value: Int64) {
        (high, low) = Self.mix(high, low, UInt64(bitPattern: value))
    }

    private static func mix(_ a: UInt64, _ b: UInt64, _ word: UInt64) -> (UInt64, UInt64) {
        var h1 = a ^ (word &* 0x87C3_7B91_1142_53D5)
        h1 = (h1 << 27 | h1 >> 37) &+ b
        h1 = h1 &* 5 &+ 0x52DC_E729
        var h2 = b ^ (word &* 0x4CF5_AD43_2745_937F)
        h2 = (h2 << 31 | h2 >> 33) &+ h1
        h2 = h2 &* 5 &+ 0x3849_5AB5
        return (fmix(h1), fmix(h2 ^ h1))
    }

    private static func fmix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k = k &* 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k = k &* 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }

    /// 32 lowercase hex digits.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 32)
        for index in 0..<16 {
            let nibble = index < 16 ? (high >> (60 - 4 * UInt64(index))) & 0xF : 0
            out[index] = digits[Int(nibble)]
            out[16 + index] = digits[Int((low >> (60 - 4 * UInt64(index))) & 0xF)]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
