import FlywheelTesting
import Foundation
import Testing

/// `flywheel receive` as a process of its own, and `flywheel bench receiver` on a small load.
struct ReceiveCLITests {
    @Test func receiveFailsAShareOnPurposeAndAppendsTheAcceptedLines() async throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let folder = try TemporaryFolder()
        let out = folder.file("received.jsonl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FlywheelCLI.binary)
        process.arguments = ["receive", "--port", "0", "--fail-rate", "0.5", "--retry-after", "3", "--out", out]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: folder.write("stderr.txt", "")))
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let descriptor = stdout.fileHandleForReading.fileDescriptor
        let url = try await FlywheelCLI.offThePool { Self.readLine(descriptor) }
        let port = try #require(url.split(separator: ":").last.flatMap { Int($0.dropLast()) }, "URL: \(url)")
        #expect(url == "http://127.0.0.1:\(port)/")

        var answers: [String] = []
        for number in 0..<4 {
            let body = "{\"n\":\(number)}\n{\"m\":\(number)}\n"
            answers.append(try await FlywheelCLI.offThePool { try Self.post(port: port, body: body) })
        }
        // Request i fails when floor((i + 1) / 2) > floor(i / 2): the odd ones.
        #expect(answers.map { $0.hasPrefix("HTTP/1.1 200") } == [true, false, true, false], "\(answers)")
        #expect(answers[1].hasPrefix("HTTP/1.1 503") && answers[1].contains("Retry-After: 3"), "\(answers[1])")

        kill(process.processIdentifier, SIGINT)
        try await FlywheelCLI.offThePool { process.waitUntilExit() }
        #expect(process.terminationStatus == 0)
        let errors = try String(contentsOfFile: folder.file("stderr.txt"), encoding: .utf8)
        #expect(errors.contains("received 4 requests, 8 records"), "\(errors)")
        #expect(errors.contains("accepted 2 requests, 4 records; failed 2"), "\(errors)")
        let received = try String(contentsOfFile: out, encoding: .utf8)
        #expect(received == "{\"n\":0}\n{\"m\":0}\n{\"n\":2}\n{\"m\":2}\n")
    }

    @Test func benchReceiverReportsRequestsRecordsAndLatency() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(["bench", "receiver", "--seconds", "1", "--connections", "2", "--batch", "20"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("2 connections, 20 records of 300 bytes per request"), "\(result)")
        #expect(result.stdout.contains("(errors 0)") && result.stdout.contains("p99"), "\(result)")
    }

    @Test(arguments: [
        (["receive", "--port", "70000"], "--port must be 0 to 65535, got 70000"),
        (["receive", "--fail-rate", "1.5"], "--fail-rate must be between 0 and 1"),
        (["receive", "--status", "200"], "--status must be a failing HTTP status, 300 to 599, got 200"),
        (["receive", "--delay-ms", "-1"], "--delay-ms must be 0 to 600000, got -1"),
        (["bench", "receiver", "--batch", "0"], "--batch must be between 1 and 100000 records, got 0"),
        (["bench", "receiver", "--connections", "0"], "--connections must be between 1 and 1024, got 0"),
    ])
    func badOptionsAreNamed(arguments: [String], message: String) throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains(message), "\(result)")
    }

    /// The examples of both helps paste as they are (the rule of InspectCLITests.helpExamplesArePasteable).
    @Test(arguments: [["receive"], ["bench", "receiver"]])
    func helpExamplesArePasteable(command: [String]) throws {
        try InspectCLITests().helpExamplesArePasteable(command: command)
    }

    @Test func anOutFileThatCannotBeOpenedIsNamed() throws {
        try #require(FlywheelCLI.isBuilt, "build the CLI first: swift build")
        let result = try FlywheelCLI.run(["receive", "--port", "0", "--out", "/nonexistent-folder/x.jsonl"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("--out: cannot open /nonexistent-folder/x.jsonl"), "\(result)")
    }

    /// Reads one line (without its newline) from `descriptor`, a byte at a time.
    static func readLine(_ descriptor: Int32) -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while read(descriptor, &byte, 1) == 1 && byte != UInt8(ascii: "\n") { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// POSTs `body` to 127.0.0.1:`port` on a connection of its own and returns the whole answer.
    static func post(port: Int, body: String) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0, "cannot connect to port \(port): errno \(errno)")
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let request = Array(
            "POST /v1 HTTP/1.1\r\nHost: here\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                .utf8)
        _ = request.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        return String(decoding: FlywheelCLI.readToEnd(descriptor), as: UTF8.self)
    }
}
