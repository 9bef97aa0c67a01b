#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// A string key compared by its exact UTF-8 bytes (code points), not by Swift's canonical
/// equivalence: "café" written with U+00E9 and with "e" + U+0301 are two keys, as they are two
/// different JSON strings.
public struct ExactKey: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    @inlinable
    public init(_ value: String) { self.value = value }

    @inlinable
    public static func == (lhs: ExactKey, rhs: ExactKey) -> Bool { lhs.value.isExactly(rhs.value) }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        var copy = value
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    public var description: String { value }

    /// Whether the key's bytes are exactly `utf8` (see `String.hasUTF8`).
    @inlinable
    public func matches(utf8: UnsafeBufferPointer<UInt8>) -> Bool { value.hasUTF8(utf8) }

    /// The key whose bytes are `utf8` (well-formed UTF-8).
    @inlinable
    public init(utf8: UnsafeBufferPointer<UInt8>) { value = String(decoding: utf8, as: UTF8.self) }
}

extension String {
    /// Equality of code points (UTF-8 bytes), unlike `==`, which is canonical equivalence.
    /// Compares contiguous storage with `memcmp` (native strings always have it).
    @inlinable @inline(__always)
    public func isExactly(_ other: String) -> Bool {
        // Identical representations hold identical bytes: the same small (inline) string, or the
        // same storage object. Ids found in a table are most often the very string stored there.
        let mine = unsafeBitCast(self, to: (UInt64, UInt64).self)
        let theirs = unsafeBitCast(other, to: (UInt64, UInt64).self)
        return mine == theirs || hasSameBytes(as: other)
    }

    /// Whether the string's UTF-8 is exactly `utf8` (code points, as `isExactly`).
    @inlinable
    public func hasUTF8(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard self.utf8.count == utf8.count else { return false }
        return self.utf8.withContiguousStorageIfAvailable { $0.hasSameBytes(as: utf8) }
            ?? self.utf8.elementsEqual(utf8)
    }

    @usableFromInline
    func hasSameBytes(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        let fast: Bool? =
            utf8.withContiguousStorageIfAvailable { mine in
                other.utf8.withContiguousStorageIfAvailable { theirs in mine.hasSameBytes(as: theirs) }
            } ?? nil
        return fast ?? utf8.elementsEqual(other.utf8)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the two hold the same bytes (for UTF-8: the same code points, see `String.isExactly`).
    ///
    /// Up to 16 bytes (most ids) are compared with two loads each, overlapping when fewer: a call to `memcmp`
    /// cost more than the compare.
    @inlinable
    public func hasSameBytes(as other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count == other.count else { return false }
        guard count > 0, let mine = baseAddress, let theirs = other.baseAddress else { return true }
        let (a, b) = (UnsafeRawPointer(mine), UnsafeRawPointer(theirs))
        switch count {
        case 8...16:
            return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                && a.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self)
        case 4..<8:
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
                    == b.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
        case 1..<4:
            for index in 0..<count where mine[index] != theirs[index] { return false }
            return true
        default:
            return memcmp(mine, theirs, count) == 0
        }
    }
}
