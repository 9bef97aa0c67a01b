import Foundation

/// Thin POSIX wrappers for the log's files that turn failures into `LogError`s naming the file.
///
/// `pread`/`pwrite` take explicit positions, so readers and the writer can share one descriptor.
enum LogFile {
    static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Opens `path` read-write (created if missing when `create`) or read-only.
    static func open(_ path: String, writable: Bool, create: Bool = false) throws(LogError) -> Int32 {
        var flags = writable ? O_RDWR : O_RDONLY
        if create { flags |= O_CREAT }
        _ = openFileLimit
        let fd = Foundation.open(path, flags | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == EMFILE {
                throw LogError(
                    .readFailed,
                    "cannot open \(path): too many open files (this process may open \(openFileLimit); every "
                        + "segment of an open partition holds one or two): raise the limit with ulimit -n")
            }
            let code: LogError.Code = errno == ENOENT ? .readFailed : (writable ? .writeFailed : .readFailed)
            throw LogError(code, "cannot open \(path): \(errnoText())")
        }
        return fd
    }

    /// The number of files this process may open, after raising the soft limit to the hard one (once, at the first
    /// open): a topic holds one or two descriptors per segment of each partition, far more than the usual soft
    /// limit of 1024 for a topic with hundreds of partitions.
    static let openFileLimit: Int = {
        var limit = rlimit()
        #if canImport(Glibc)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return Int(Int32.max) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }()

    /// Writes all of `bytes` at `position`, retrying short writes.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at position: Int, path: String) throws(LogError) {
        var done = 0
        while done < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let count = pwrite(fd, base + done, bytes.count - done, off_t(position + done))
            if count < 0 {
                if errno == EINTR { continue }
                throw LogError(.writeFailed, "cannot write \(path): \(errnoText())")
            }
            done += count
        }
    }

    /// Writes all of `bytes` at `position`.
    static func write(_ fd: Int32, _ bytes: [UInt8], at position: Int, path: String) throws(LogError) {
        var failure: LogError?
        bytes.withUnsafeBytes { buffer in
            do throws(LogError) {
                try write(fd, buffer, at: position, path: path)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Reads up to `buffer.count` bytes at `position`; fewer only at the end of the file.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at position: Int, path: String)
        throws(LogError) -> Int
    {
        var done = 0
        while done < buffer.count {
            guard let base = buffer.baseAddress else { return 0 }
            let count = pread(fd, base + done, buffer.count - done, off_t(position + done))
            if count < 0 {
                if errno == EINTR { continue }
                throw LogError(.readFailed, "cannot read \(path): \(errnoText())")
            }
            if count == 0 { break }
            done += count
        }
        return done
    }

    /// The current size of the file in bytes.
    static func size(_ fd: Int32, path: String) throws(LogError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LogError(.readFailed, "cannot stat \(path): \(errnoText())") }
        return Int(info.st_size)
    }

    /// Flushes the file's data (and the metadata needed to read it back) to stable storage.
    static func sync(_ fd: Int32, path: String) throws(LogError) {
        guard fdatasync(fd) == 0 else { throw LogError(.writeFailed, "cannot fsync \(path): \(errnoText())") }
    }

    static func truncate(_ fd: Int32, to size: Int, path: String) throws(LogError) {
        guard ftruncate(fd, off_t(size)) == 0 else {
            throw LogError(.writeFailed, "cannot truncate \(path) to \(size) bytes: \(errnoText())")
        }
    }

    /// Makes the creation, renaming or removal of entries in folder `path` durable.
    static func syncDirectory(_ path: String) throws(LogError) { try AtomicFile.syncFolder(path) }

    /// Takes an exclusive advisory lock on `path` (created if missing) without waiting; nil when another
    /// process holds it. The kernel releases it when the process ends, however it ends.
    static func tryLock(_ path: String) throws(LogError) -> Int32? {
        let fd = try open(path, writable: true, create: true)
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
        close(fd)
        return nil
    }

    /// Wall-clock time in milliseconds since the Unix epoch.
    static func wallClockMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    static func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
