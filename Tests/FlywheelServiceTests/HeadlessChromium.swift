import FlywheelTesting
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands on the
/// child's descriptor 3, answers and events on 4, each message JSON ended by a NUL byte), for the dashboard's
/// browser test. It collects what the page reports as errors: uncaught exceptions, `console.error`/`assert`, and
/// browser log entries of level error (failed loads, Content-Security-Policy violations).
///
/// Calls block on the pipe (each waits at most `timeout`): use it from one thread at a time, off the shared
/// cooperative pool (`FlywheelCLI.offThePool`).
final class HeadlessChromium: @unchecked Sendable {  // Mutable state: used by one thread at a time (see above).
    static let timeout: Int32 = 60_000

    /// The browser of Debian's `chromium` package, or another usual one; nil when none is installed.
    static func binary() -> String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let pid: pid_t
    private let commands: Int32
    private let answers: Int32
    private var pending: [UInt8] = []
    private var nextID = 1
    private var session: String?
    /// The errors the page reported so far, as text.
    private(set) var errors: [String] = []

    /// Starts the browser on `about:blank` with its profile and log in `folder`.
    init(binary: String, folder: String) throws {
        let toChild = try Self.pipe()
        let fromChild = try Self.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild.read, 3)
        posix_spawn_file_actions_adddup2(&actions, fromChild.write, 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, folder + "/chromium.log", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let arguments = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--remote-debugging-pipe", "--user-data-dir=" + folder + "/profile",
            "--window-size=1280,1600", "about:blank",
        ]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, binary, &actions, nil, &argv, environ)
        Glibc.close(toChild.read)
        Glibc.close(fromChild.write)
        guard result == 0 else {
            Glibc.close(toChild.write)
            Glibc.close(fromChild.read)
            throw Failure(description: "cannot start \(binary): \(String(cString: strerror(result)))")
        }
        pid = child
        commands = toChild.write
        answers = fromChild.read
    }

    /// A pipe whose ends are above the descriptors the child gets (so that the dup2s cannot overwrite each
    /// other) and closed on exec.
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard Glibc.pipe(&ends) == 0 else { throw Failure(description: "pipe: \(errno)") }
        let read = fcntl(ends[0], F_DUPFD_CLOEXEC, 10)
        let write = fcntl(ends[1], F_DUPFD_CLOEXEC, 10)
        Glibc.close(ends[0])
        Glibc.close(ends[1])
        return (read, write)
    }

    /// Attaches to the browser's page and enables the domains whose events report errors.
    func attach() throws {
        var page: String?
        for _ in 0..<100 where page == nil {
            let targets = try call("Target.getTargets", toBrowser: true)["targetInfos"] as? [[String: Any]] ?? []
            page = targets.first { $0["type"] as? String == "page" }?["targetId"] as? String
            if page == nil { usleep(100_000) }
        }
        guard let page else { throw Failure(description: "the browser opened no page") }
        let attached = try call("Target.attachToTarget", ["targetId": page, "flatten": true], toBrowser: true)
        session = attached["sessionId"] as? String
        for domain in ["Runtime", "Log", "Page"] { _ = try call(domain + ".enable") }
    }

    func navigate(_ url: String) throws {
        let answer = try call("Page.navigate", ["url": url])
        if let error = answer["errorText"] as? String { throw Failure(description: "navigating to \(url): \(error)") }
    }

    /// The value of a JavaScript expression that yields a JSON text, parsed.
    func evaluateJSON(_ expression: String) throws -> Any? {
        let answer = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        if let exception = answer["exceptionDetails"] {
            throw Failure(description: "evaluating \(expression): \(exception)")
        }
        guard let text = (answer["result"] as? [String: Any])?["value"] as? String else { return nil }
        return try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// Closes the browser and waits for it (kills it if it does not go within 10 s).
    func quit() {
        _ = try? call("Browser.close", toBrowser: true)
        Glibc.close(commands)
        Glibc.close(answers)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// Sends one command (to the page's session, or to the browser itself) and returns its result; events that
    /// arrive meanwhile are checked for errors.
    func call(_ method: String, _ parameters: [String: Any] = [:], toBrowser: Bool = false) throws -> [String: Any] {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if !toBrowser, let session { message["sessionId"] = session }
        var bytes = [UInt8](try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        try write(bytes)
        while true {
            let answer = try readMessage()
            if answer["id"] as? Int == id {
                if let error = answer["error"] { throw Failure(description: "\(method): \(error)") }
                return answer["result"] as? [String: Any] ?? [:]
            }
            note(answer)
        }
    }

    private func note(_ event: [String: Any]) {
        let parameters = event["params"] as? [String: Any] ?? [:]
        switch event["method"] as? String {
        case "Runtime.exceptionThrown":
            let details = parameters["exceptionDetails"] as? [String: Any] ?? [:]
            let exception = details["exception"] as? [String: Any] ?? [:]
            errors.append("exception: \(exception["description"] ?? details["text"] ?? "?")")
        case "Runtime.consoleAPICalled":
            guard let type = parameters["type"] as? String, type == "error" || type == "assert" else { return }
            let values = (parameters["args"] as? [[String: Any]] ?? []).map {
                "\($0["value"] ?? $0["description"] ?? "")"
            }
            errors.append("console.\(type): " + values.joined(separator: " "))
        case "Log.entryAdded":
            let entry = parameters["entry"] as? [String: Any] ?? [:]
            guard entry["level"] as? String == "error" else { return }
            errors.append("log (\(entry["source"] ?? "?")): \(entry["text"] ?? "") \(entry["url"] ?? "")")
        default: return
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(commands, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw Failure(description: "writing to the browser: errno \(errno)") }
            offset += written
        }
    }

    private func readMessage() throws -> [String: Any] {
        while true {
            if let end = pending.firstIndex(of: 0) {
                let message = Array(pending[..<end])
                pending.removeFirst(end + 1)
                return try JSONSerialization.jsonObject(with: Data(message)) as? [String: Any] ?? [:]
            }
            var poller = pollfd(fd: answers, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Self.timeout)
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { throw Failure(description: "the browser did not answer within 60 s") }
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(answers, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw Failure(description: "the browser closed its DevTools pipe") }
            pending += buffer[..<count]
        }
    }
}
