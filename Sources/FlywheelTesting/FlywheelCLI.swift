import Foundation

/// Runs the built `flywheel` binary (`.build/debug/flywheel`, which `swift test` builds with the tests)
/// the way a user does, for tests of exit codes, messages and signals.
public enum FlywheelCLI {
    /// What one run printed and how it ended.
    public struct Result: Sendable, CustomStringConvertible {
        public let status: Int32
        /// True when the process ended by a signal; `status` is then the signal's number.
        public let signaled: Bool
        public let stdout: String
        public let stderr: String

        /// Both outputs, for phrase checks that do not care which stream a message went to.
        public var output: String { stdout + stderr }

        public var description: String {
            "exit \(signaled ? "by signal " : "")\(status)\nstdout: \(stdout.prefix(2000))\nstderr: \(stderr.prefix(2000))"
        }
    }

    /// The binary's path, next to the test bundle's build products.
    public static let binary: String = {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug/flywheel").path
    }()

    /// True when the binary exists (it does after `swift build` or `swift test`).
    public static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    /// Runs `flywheel ARGUMENTS` (or `executable ARGUMENTS`, e.g. a shell that sets limits and then runs
    /// `binary`) in `directory` with `stdin` as its input, waits for it (at most `timeout` seconds, then it is
    /// killed) and returns what it printed.
    public static func run(
        _ arguments: [String], stdin: Data? = nil, directory: String? = nil, environment: [String: String] = [:],
        executable: String = binary, timeout: Double = 120
    ) throws -> Result {
        let process = try start(
            arguments, stdin: stdin, directory: directory, environment: environment, executable: executable)
        return process.wait(timeout: timeout)
    }

    /// `run` for async tests: the wait happens on a thread of its own, so the test does not hold one
    /// of the few threads every async task of the test run shares (on 2 cores, blocking them starves
    /// other suites).
    public static func run(
        _ arguments: [String], stdin: Data? = nil, directory: String? = nil, environment: [String: String] = [:],
        executable: String = binary, timeout: Double = 120
    ) async throws -> Result {
        let process = try start(
            arguments, stdin: stdin, directory: directory, environment: environment, executable: executable)
        return await process.wait(timeout: timeout)
    }

    /// Runs `body` on a thread of its own and returns its result: for blocking work in async tests.
    public static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
        }
    }

    /// Every byte of `descriptor` until its end. A read interrupted by a signal (EINTR) is tried again:
    /// Foundation's `readDataToEndOfFile` stops the process on it, and with many child processes a
    /// test run gets such interruptions.
    public static func readToEnd(_ descriptor: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }

    /// Starts `flywheel ARGUMENTS` and returns at once; send it signals, then `wait`.
    public static func start(
        _ arguments: [String], stdin: Data? = nil, directory: String? = nil, environment: [String: String] = [:],
        executable: String = binary
    ) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        let running = Running(process: process, out: out, err: err)
        try process.run()
        if let stdin {
            // A process that exits before reading all of it (a refused command) closes the pipe: the
            // write then fails with EPIPE, which `write(_:)` would turn into a crash of the test run.
            try? input.fileHandleForWriting.write(contentsOf: stdin)
            try? input.fileHandleForWriting.close()
        }
        return running
    }

    /// A started process whose output is collected as it comes (so a full pipe never blocks it).
    public final class Running: @unchecked Sendable {  // guarded by `lock`
        public let process: Process
        private let lock = NSLock()
        private var outData = Data()
        private var errData = Data()
        private let group = DispatchGroup()

        init(process: Process, out: Pipe, err: Pipe) {
            self.process = process
            for (pipe, isOut) in [(out, true), (err, false)] {
                group.enter()
                DispatchQueue.global().async { [self] in
                    let data = FlywheelCLI.readToEnd(pipe.fileHandleForReading.fileDescriptor)
                    lock.lock()
                    if isOut { outData = data } else { errData = data }
                    lock.unlock()
                    group.leave()
                }
            }
        }

        public var pid: Int32 { process.processIdentifier }

        /// Sends `signal` (SIGINT, SIGTERM, SIGKILL) to the process.
        public func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

        /// `wait` for async tests, on a thread of its own (see `FlywheelCLI.run`).
        public func wait(timeout: Double = 120) async -> Result {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: self.wait(timeout: timeout) as Result) }.start()
            }
        }

        /// Waits for the end (killing the process after `timeout` seconds) and returns what it printed.
        ///
        /// The end is what Foundation recorded, or else what the kernel holds for the exited child (`waitid`
        /// with `WNOWAIT`, which leaves the child for Foundation to reap): the wait never depends on Foundation
        /// noticing alone. It does not reap: this machine's pid_max (32,768) is wrapped by the suite, and
        /// Foundation's later `waitpid` of a pid freed here could take another program's status (README, Tests).
        /// The output is awaited at most 30 s more (a program another test starts at the same moment can
        /// inherit the pipes' ends and hold them open).
        public func wait(timeout: Double = 120) -> Result {
            let deadline = Date().addingTimeInterval(timeout)
            var end = ended()
            var killed = false
            while end == nil {
                if !killed && Date() >= deadline {
                    kill(process.processIdentifier, SIGKILL)
                    killed = true
                }
                usleep(2_000)
                end = ended()
            }
            let drained = group.wait(timeout: .now() + 30) == .success
            lock.lock()
            defer { lock.unlock() }
            let unfinished = drained ? "" : "\n[FlywheelCLI: the output was still open 30 s after the process ended]"
            return Result(
                status: end!.status, signaled: end!.signaled, stdout: String(decoding: outData, as: UTF8.self),
                stderr: String(decoding: errData, as: UTF8.self) + unfinished)
        }

        /// How the process ended (its exit status, or the signal that ended it), nil while it runs.
        private func ended() -> (status: Int32, signaled: Bool)? {
            var recorded: (status: Int32, signaled: Bool)? {
                process.isRunning ? nil : (process.terminationStatus, process.terminationReason == .uncaughtSignal)
            }
            if let recorded { return recorded }
            let pid = process.processIdentifier
            var info = siginfo_t()
            guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT | WNOHANG) == 0,
                info._sifields._sigchld.si_pid == pid
            else {
                // Not ended, or Foundation reaped it between the two looks: it then has the status.
                return recorded
            }
            return (info._sifields._sigchld.si_status, info.si_code != Int32(CLD_EXITED))
        }
    }
}
