#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Plain POSIX writes, for the places that report a failure in their own words (with `strerror`)
/// rather than as a Foundation error domain and code.
public enum Descriptor {
    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR; returns nil, or the `errno`
    /// of the write that failed.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// The system's text for `code` ("No space left on device").
    public static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
