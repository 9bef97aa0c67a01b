import AsyncHTTPClient
import FlywheelForward
import FlywheelTesting
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The receiver against bytes no HTTP client sends: garbage, a body cut short, pipelined requests.
extension LoopbackReceiverTests {
    @Test func malformedRequestGets400AndTheReceiverCarriesOn() async throws {
        try await withReceiver { receiver, client in
            let connection = try RawConnection(port: receiver.port)
            connection.send("NOT HTTP AT ALL\r\n\r\n")
            let answer = try await connection.offThePool { $0.readToEnd() }
            connection.close()
            #expect(answer.hasPrefix("HTTP/1.1 400"))
            #expect(receiver.counters.malformed == 1)
            #expect(receiver.requests.isEmpty)
            let status = try await client.post(receiver.url(), body: "x\n").status
            #expect(status == 200)
        }
    }

    @Test func clientLeavingMidBodyLeavesNoRequest() async throws {
        try await withReceiver { receiver, client in
            let connection = try RawConnection(port: receiver.port)
            connection.send("POST /cut HTTP/1.1\r\nHost: here\r\nContent-Length: 100\r\n\r\nonly part of it")
            connection.close()
            try await eventually { receiver.counters.connections == 1 && receiver.counters.openConnections == 0 }
            let status = try await client.post(receiver.url(), body: "x\n").status
            #expect(status == 200)
            #expect(receiver.requests.map(\.path) == ["/"])
            #expect(receiver.counters.inProgress == 0)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrderOnOneConnection() async throws {
        try await withReceiver({ .status(200, body: "answer \($0.index)", delayMs: $0.index == 0 ? 200 : 0) }) {
            receiver, _ in
            let connection = try RawConnection(port: receiver.port)
            connection.send(
                "POST /a HTTP/1.1\r\nHost: here\r\nContent-Length: 2\r\n\r\na\n"
                    + "POST /b HTTP/1.1\r\nHost: here\r\nContent-Length: 2\r\nConnection: close\r\n\r\nb\n")
            let answer = try await connection.offThePool { $0.readToEnd() }
            connection.close()
            let first = try #require(answer.range(of: "answer 0"))
            let second = try #require(answer.range(of: "answer 1"))
            #expect(first.lowerBound < second.lowerBound)
            #expect(answer.lowercased().contains("connection: close"))
            #expect(receiver.requests.map(\.path) == ["/a", "/b"])
            #expect(receiver.counters.connections == 1)
        }
    }

    @Test func manyConnectionsOpenAtOnceAreAllAnswered() async throws {
        try await withReceiver { receiver, _ in
            let connections = try (0..<200).map { _ in try RawConnection(port: receiver.port) }
            for (number, connection) in connections.enumerated() {
                connection.send(
                    "POST /\(number) HTTP/1.1\r\nHost: here\r\nContent-Length: 2\r\nConnection: close\r\n\r\nx\n")
            }
            let answers = try await FlywheelCLI.offThePool { connections.map { $0.readToEnd() } }
            for connection in connections { connection.close() }
            #expect(answers.allSatisfy { $0.hasPrefix("HTTP/1.1 200") })
            #expect(receiver.counters.connections == 200)
            #expect(Set(receiver.accepted.map(\.path)).count == 200)
        }
    }

    @Test func expectContinueGetsAnInterimAnswerBeforeTheBody() async throws {
        try await withReceiver { receiver, _ in
            let connection = try RawConnection(port: receiver.port)
            connection.send("POST / HTTP/1.1\r\nHost: here\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await connection.offThePool { $0.read { $0.contains("\r\n\r\n") } }
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue"))
            connection.send("z\n")
            let final = try await connection.offThePool { $0.read { $0.contains("HTTP/1.1 200") } }
            connection.close()
            #expect(final.contains("HTTP/1.1 200"))
            #expect(receiver.accepted.map(\.body) == [Array("z\n".utf8)])
        }
    }
}

/// A blocking TCP connection to 127.0.0.1, for bytes an HTTP client would not send. Reads give up after 10 s.
// @unchecked Sendable: used by one thread at a time (the test, or the thread it hands a read to).
final class RawConnection: @unchecked Sendable {
    /// Runs a blocking read on a thread of its own, not on one of the few threads every async test shares.
    func offThePool<T: Sendable>(_ body: @escaping @Sendable (RawConnection) -> T) async throws -> T {
        try await FlywheelCLI.offThePool { body(self) }
    }

    private let descriptor: Int32

    init(port: Int) throws {
        #if canImport(Glibc)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(descriptor >= 0 && connected == 0, "cannot connect to 127.0.0.1:\(port): errno \(errno)")
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            sent += count
        }
    }

    /// Reads until `done` holds for what was read, the peer closes, or 10 s pass.
    func read(until done: (String) -> Bool = { _ in false }) -> String {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !done(String(decoding: received, as: UTF8.self)) {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += chunk[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Reads until the peer closes (or 10 s pass).
    func readToEnd() -> String { read() }

    func close() {
        #if canImport(Glibc)
            _ = Glibc.close(descriptor)
        #else
            _ = Darwin.close(descriptor)
        #endif
    }
}
