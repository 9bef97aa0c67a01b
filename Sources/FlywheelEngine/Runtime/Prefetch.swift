import CPrefetch

/// Cache prefetch hints: start loading memory a moment before it is used, so that the misses of several
/// objects overlap instead of stalling one after the other. For memory another core wrote last (an event's
/// storage handed back by a shard), where a write, or the atomic reference count that follows it, would
/// otherwise wait for the line.
public enum Prefetch {
    /// Starts bringing the `bytes` bytes at `address` into this core's cache, to be written.
    @inlinable @inline(__always)
    public static func forWriting(_ address: UnsafeRawPointer, bytes: Int) {
        self.bytes(address, count: bytes, forWriting: true)
    }

    /// Starts bringing the `bytes` bytes at `address` into this core's cache, to be read.
    @inlinable @inline(__always)
    public static func forReading(_ address: UnsafeRawPointer, bytes: Int) {
        self.bytes(address, count: bytes, forWriting: false)
    }

    /// One hint per 64-byte line from `address` on, and one for the last byte (the bytes may straddle one
    /// more line than their count suggests).
    @inlinable @inline(__always)
    public static func bytes(_ address: UnsafeRawPointer, count: Int, forWriting: Bool) {
        let write: Int32 = forWriting ? 1 : 0
        var offset = 0
        while offset < count {
            flywheel_prefetch(address + offset, write)
            offset &+= 64
        }
        flywheel_prefetch(address + (count &- 1), write)
    }
}
