import FlywheelRuntime
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelConnectors

/// `topic produce`'s input over a pipe whose bytes come in pieces: it hands over what has come and
/// never waits inside a read (a plain line or a gzip member split across writes).
struct ProduceInputTests {
    /// A FIFO whose writing end the test holds; the reader opens it without waiting.
    final class Pipe {
        let path: String
        private var keepOpen: Int32 = -1
        private var writer: Int32 = -1

        init(_ path: String) throws {
            self.path = path
            try #require(mkfifo(path, 0o644) == 0)
            keepOpen = open(path, O_RDWR)
            try #require(keepOpen >= 0)
        }

        /// Call once the reader has opened the pipe: from then on, `close()` is its end.
        func attach() throws {
            writer = open(path, O_WRONLY)
            try #require(writer >= 0)
            Foundation.close(keepOpen)
        }

        func write(_ bytes: Data) {
            _ = bytes.withUnsafeBytes { Foundation.write(writer, $0.baseAddress, $0.count) }
        }

        func close() { Foundation.close(writer) }
    }

    /// Calls `next` without waiting until it reports a timeout (nothing now) or the end.
    static func drain(_ input: ProduceInput, into lines: inout [String]) throws -> ProduceInput.Outcome {
        while true {
            let outcome = try input.next(timeout: .zero, wakeFD: -1) { content in
                if case .line(let bytes) = content { lines.append(String(decoding: bytes, as: UTF8.self)) }
            }
            if outcome == .timeout || outcome == .end { return outcome }
        }
    }

    @Test func aGzipStreamSplitAcrossWritesIsHandedOverAsItComes() throws {
        let folder = try TemporaryFolder("produce-input-gzip")
        defer { folder.remove() }
        let expected = (0..<5_000).map { "{\"n\": \($0)}" }
        let zipped = try gzipped(try folder.write("in.jsonl", expected.joined(separator: "\n") + "\n"))
        let pipe = try Pipe(folder.file("in.fifo"))
        let input = try ProduceInput(path: pipe.path, maxLineBytes: 1 << 20)
        try pipe.attach()
        var lines: [String] = []
        #expect(try Self.drain(input, into: &lines) == .timeout)
        #expect(lines.isEmpty)
        pipe.write(zipped.prefix(1))
        #expect(try Self.drain(input, into: &lines) == .timeout)
        #expect(input.unfinishedLineBytes == 1)
        pipe.write(zipped.dropFirst().prefix(zipped.count / 2))
        #expect(try Self.drain(input, into: &lines) == .timeout)
        #expect(!lines.isEmpty && lines.count < expected.count)
        #expect(lines == Array(expected.prefix(lines.count)))
        pipe.write(zipped.dropFirst(zipped.count / 2 + 1))
        pipe.close()
        #expect(try Self.drain(input, into: &lines) == .end)
        #expect(lines == expected)
    }

    @Test func aPartialLineWaitsForItsNewlineAndIsTakenAtTheEnd() throws {
        let folder = try TemporaryFolder("produce-input-plain")
        defer { folder.remove() }
        let pipe = try Pipe(folder.file("in.fifo"))
        let input = try ProduceInput(path: pipe.path, maxLineBytes: 8)
        try pipe.attach()
        var lines: [String] = []
        pipe.write(Data("a\n\nbc".utf8))
        #expect(try Self.drain(input, into: &lines) == .timeout)
        #expect(lines == ["a", ""])
        #expect(input.unfinishedLineBytes == 2)
        pipe.write(Data("d\n0123456789".utf8))
        #expect(try Self.drain(input, into: &lines) == .timeout)
        #expect(lines == ["a", "", "bcd"])
        #expect(input.unfinishedLineBytes == 10)
        pipe.write(Data("\nlast".utf8))
        pipe.close()
        var oversized = 0
        while true {
            let outcome = try input.next(timeout: .zero, wakeFD: -1) { content in
                switch content {
                case .line(let bytes): lines.append(String(decoding: bytes, as: UTF8.self))
                case .oversized(_, let length): oversized = length
                }
            }
            if outcome == .end { break }
        }
        #expect(oversized == 10)
        #expect(lines == ["a", "", "bcd", "last"])
    }
}
