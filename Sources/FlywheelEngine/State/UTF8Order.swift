#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// `a.utf8.lexicographicallyPrecedes(b.utf8)` (byte order, what every ordering of ids and texts in the
/// outputs and checkpoints uses) over the strings' contiguous bytes. The generic form walks string indices one
/// byte at a time: profiled, it was most of a busy service's checkpoint time (many ids share a millisecond).
@inlinable
public func utf8Precedes(_ a: String, _ b: String) -> Bool {
    var a = a
    var b = b
    return a.withUTF8 { left in b.withUTF8 { right in left.utf8Precedes(right) } }
}

/// `utf8Precedes(_:_:)` of bytes and a string.
@inlinable
public func utf8Precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: String) -> Bool {
    var b = b
    return b.withUTF8 { a.utf8Precedes($0) }
}

extension UnsafeBufferPointer<UInt8> {
    /// Byte order of two UTF-8 strings, which is their code-point order (see `utf8Precedes(_:_:)`).
    @inlinable
    public func utf8Precedes(_ other: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = Swift.min(count, other.count)
        if common > 0, let mine = baseAddress, let theirs = other.baseAddress {
            let order = memcmp(mine, theirs, common)
            if order != 0 { return order < 0 }
        }
        return count < other.count
    }
}
