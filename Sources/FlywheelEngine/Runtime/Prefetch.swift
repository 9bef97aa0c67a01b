import CPrefetch

/// Cache prefetch hints: start loading memory a moment before it is used, so that the misses of several
/// objects overlap instead of stalling one after the other. For memory another core wrote last (an event's
/// storage handed back by a shard), where a write, or the atomic reference count that follows it, would
/// otherwise wait for the line.
public enum Prefetch {
    /// Starts bringing the `bytes` bytes at `address` into this core's cache, to be written.
    @inlinable @inline(__always)
    public static func forWriting(_ address: UnsafeRawPointer, bytes: Int) { lines(address, bytes: bytes, write: 1) }

    /// Starts bringing the `bytes` bytes at `address` into this core's cache, to be read.
    @inlinable @inline(__always)
    public static func forReading(_ address: UnsafeRawPointer, bytes: Int) { lines(address, bytes: bytes, write: 0) }

    /// One hint per 64-byte line from `address` on, and one for the last byte (the bytes may straddle one
    /// more line than their count suggests).
    @usableFromInline @inline(__always)
    static func lines(_ address: UnsafeRawPointer, bytes: Int, write: Int32) {
        var offset = 0
        while offset < bytes {
            flywheel_prefetch(address + offset, write)
            offset &+= 64
        }
        flywheel_prefetch(address + (bytes &- 1), write)
    }

    /// Starts bringing an object's first `bytes` bytes into this core's cache, to be written; touches no
    /// reference count.
    @inlinable @inline(__always)
    public static func forWriting(_ object: AnyObject, bytes: Int) {
        forWriting(UnsafeRawPointer(Unmanaged.passUnretained(object).toOpaque()), bytes: bytes)
    }

    /// Starts bringing an object's first `bytes` bytes into this core's cache, to be read; touches no
    /// reference count.
    @inlinable @inline(__always)
    public static func forReading(_ object: AnyObject, bytes: Int) {
        forReading(UnsafeRawPointer(Unmanaged.passUnretained(object).toOpaque()), bytes: bytes)
    }
}
