/// The on-disk framing of one record. All integers are little-endian:
///
/// ```
/// u32 length      bytes after this field: 24 + key length + value length
/// u32 crc         CRC-32C (Castagnoli) of the bytes after this field (offset .. end of value)
/// u64 offset      the record's offset in its partition
/// i64 timestamp   milliseconds since the Unix epoch
/// u32 key length  0xFFFFFFFF for a record without a key
/// key bytes
/// value bytes     the rest of the frame
/// ```
enum RecordFrame {
    /// Bytes of a frame before the key: length, crc, offset, timestamp, key length.
    static let headerBytes = 28
    /// The key length that marks a record without a key.
    static let noKey = UInt32.max
    /// The largest accepted `length` field; anything larger is damage, not data.
    static let maximumLength = 256 << 20

    /// What lies at a position of a segment file.
    enum Check: Equatable {
        /// A whole frame with a correct checksum.
        case valid(frameBytes: Int, offset: Int64, timestamp: Int64)
        /// Fewer bytes than the frame announces: the tail of a write in progress, or torn by a crash.
        case incomplete(needed: Int)
        /// A length out of range, a key longer than the frame, or a checksum mismatch.
        case corrupt(String)
    }

    /// Checks the frame starting at `position` of `bytes`, which may end early.
    static func check(_ bytes: UnsafeRawBufferPointer, at position: Int) -> Check {
        let available = bytes.count - position
        guard available >= 4 else { return .incomplete(needed: 4) }
        let length = Int(u32(bytes, position))
        guard length >= headerBytes - 4, length <= maximumLength else {
            return .corrupt("bad frame length \(length)")
        }
        guard available >= 4 + length else { return .incomplete(needed: 4 + length) }
        let keyLength = u32(bytes, position + 24)
        guard keyLength == noKey || Int(keyLength) <= length - (headerBytes - 4) else {
            return .corrupt("key length \(keyLength) exceeds frame length \(length)")
        }
        let stored = u32(bytes, position + 4)
        let body = UnsafeRawBufferPointer(rebasing: bytes[(position + 8)..<(position + 4 + length)])
        let computed = CRC32C.checksum(body)
        guard stored == computed else {
            return .corrupt("checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
        return .valid(
            frameBytes: 4 + length, offset: Int64(bitPattern: u64(bytes, position + 8)),
            timestamp: Int64(bitPattern: u64(bytes, position + 16)))
    }

    /// Writes `offset` into the frame at `position` and then its checksum.
    static func seal(_ bytes: UnsafeMutableRawBufferPointer, at position: Int, offset: Int64) {
        bytes.storeBytes(of: UInt64(bitPattern: offset).littleEndian, toByteOffset: position + 8, as: UInt64.self)
        let length = Int(u32(UnsafeRawBufferPointer(bytes), position))
        let body = UnsafeRawBufferPointer(rebasing: bytes[(position + 8)..<(position + 4 + length)])
        bytes.storeBytes(of: CRC32C.checksum(body).littleEndian, toByteOffset: position + 4, as: UInt32.self)
    }

    static func u32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }

    static func u64(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
}
