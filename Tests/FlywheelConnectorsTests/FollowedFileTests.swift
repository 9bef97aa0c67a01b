import FlywheelRuntime
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelConnectors

/// A followed file (`file` source, `follow: true`): appends, truncation, rotation, a missing path,
/// resume, over-long lines, batches. Each test writes, then reads until `.caughtUp`.
struct FollowedFileTests {
    /// One delivered line: its number, the offset past it, its text ("<oversized N>" for a long one),
    /// and the file it came from.
    struct Line: Equatable, CustomStringConvertible {
        var number: Int64
        var endOffset: Int64
        var text: String
        var file: UInt64
        var description: String { "\(number)@\(endOffset):\(text)" }
    }

    /// Reads until `.caughtUp`, `maxLines` at a time; fails if a read returns `.ended`.
    static func drain(_ followed: FollowedFile, maxLines: Int = 1000) throws -> [Line] {
        var lines: [Line] = []
        var status = ReadStatus.more
        while status == .more {
            status = try followed.read(maxLines: maxLines) { number, end, content in
                let text: String
                switch content {
                case .line(let bytes): text = String(decoding: bytes, as: UTF8.self)
                case .oversized(_, let length): text = "<oversized \(length)>"
                }
                lines.append(Line(number: number, endOffset: end, text: text, file: followed.fileID))
            }
        }
        #expect(status == .caughtUp)
        return lines
    }

    static func texts(_ lines: [Line]) -> [String] { lines.map(\.text) }

    /// Appends `text` to `path` (creating it), as a writer with O_APPEND does.
    static func append(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let written = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        try #require(written == text.utf8.count)
    }

    static func truncate(_ path: String) throws { try #require(Foundation.truncate(path, 0) == 0) }

    @Test func appendsArriveInPiecesAndAPartialLineWaitsForItsNewline() throws {
        let folder = try TemporaryFolder("follow-appends")
        defer { folder.remove() }
        let path = folder.file("in.jsonl")
        try Self.append("one\ntw", to: path)
        let followed = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: nil)
        defer { followed.close() }
        #expect(try Self.drain(followed) == [Line(number: 1, endOffset: 4, text: "one", file: followed.fileID)])
        #expect(try Self.drain(followed).isEmpty)
        try Self.append("o", to: path)
        #expect(try Self.drain(followed).isEmpty)
        try Self.append("\n\nthree\nfo", to: path)
        let next = try Self.drain(followed)
        #expect(next.map(\.description) == ["2@8:two", "3@9:", "4@15:three"])
        try Self.append("ur\n", to: path)
        #expect(try Self.drain(followed).map(\.description) == ["5@20:four"])
        #expect(followed.fileID != 0)
    }

    @Test func aTruncatedFileIsReadAgainFromItsStart() throws {
        let folder = try TemporaryFolder("follow-truncate")
        defer { folder.remove() }
        let path = folder.file("in.jsonl")
        try Self.append("alpha\nbeta\ngam", to: path)
        let followed = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: nil)
        defer { followed.close() }
        #expect(Self.texts(try Self.drain(followed)) == ["alpha", "beta"])
        let before = followed.fileID
        // copytruncate: the same file, emptied, then written again (shorter than what was read).
        try Self.truncate(path)
        try Self.append("new\n", to: path)
        let after = try Self.drain(followed)
        #expect(after.map(\.description) == ["1@4:new"])
        #expect(after.first?.file == before)
        try Self.append("more\n", to: path)
        #expect(try Self.drain(followed).map(\.description) == ["2@9:more"])
    }

    @Test func rotationReadsTheOldFileToItsEndThenTheNewOneFromItsStart() throws {
        let folder = try TemporaryFolder("follow-rotate")
        defer { folder.remove() }
        let path = folder.file("app.log")
        try Self.append("a1\na2\n", to: path)
        let followed = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: nil)
        defer { followed.close() }
        let first = try Self.drain(followed)
        #expect(Self.texts(first) == ["a1", "a2"])
        // The writer adds more (ending in a partial line), logrotate renames, the path is missing.
        try Self.append("a3\na4-partial", to: path)
        try #require(rename(path, folder.file("app.log.1")) == 0)
        #expect(Self.texts(try Self.drain(followed)) == ["a3"])
        // A new, still empty file: the writer has not reopened; what it still appends to the old one is read.
        try Self.append("", to: path)
        try Self.append("-more\na5\n", to: folder.file("app.log.1"))
        #expect(Self.texts(try Self.drain(followed)) == ["a4-partial-more", "a5"])
        try Self.append("a6", to: folder.file("app.log.1"))
        try Self.append("b1\nb2\n", to: path)
        let rotated = try Self.drain(followed)
        #expect(rotated.map(\.description) == ["6@30:a6", "1@3:b1", "2@6:b2"])
        #expect(rotated[0].file == first[0].file)
        #expect(rotated[1].file != first[0].file && rotated[1].file == rotated[2].file)
        // Lines written to the old file after the switch are not read.
        try Self.append("\nlost\n", to: folder.file("app.log.1"))
        try Self.append("b3\n", to: path)
        #expect(Self.texts(try Self.drain(followed)) == ["b3"])
    }

    @Test func aMissingPathIsWaitedFor() throws {
        let folder = try TemporaryFolder("follow-missing")
        defer { folder.remove() }
        let path = folder.file("later.jsonl")
        let followed = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: nil)
        defer { followed.close() }
        #expect(try Self.drain(followed).isEmpty)
        #expect(followed.fileID == 0)
        try Self.append("x\ny", to: path)
        #expect(Self.texts(try Self.drain(followed)) == ["x"])
        #expect(followed.fileID != 0)
        // Deleted and created again: the old file's partial line is handed over, then the new file.
        try FileManager.default.removeItem(atPath: path)
        #expect(try Self.drain(followed).isEmpty)
        try Self.append("z\n", to: path)
        #expect(try Self.drain(followed).map(\.description) == ["2@3:y", "1@2:z"])
    }

    @Test func resumeContinuesInTheSameFileAndStartsOverAfterTruncationOrRotation() throws {
        let folder = try TemporaryFolder("follow-resume")
        defer { folder.remove() }
        let path = folder.file("in.jsonl")
        try Self.append("l1\nl2\nl3\n", to: path)
        let first = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: nil)
        let read = try Self.drain(first)
        first.close()
        let checkpoint = InputPosition(offset: read[1].endOffset, line: read[1].number, file: read[1].file)

        try Self.append("l4\n", to: path)
        let same = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: checkpoint)
        #expect(try Self.drain(same).map(\.description) == ["3@9:l3", "4@12:l4"])
        #expect(same.resumeWarning == nil)
        same.close()

        try Self.truncate(path)
        try Self.append("t1\n", to: path)
        let truncated = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: checkpoint)
        #expect(try Self.drain(truncated).map(\.description) == ["1@3:t1"])
        #expect(truncated.resumeWarning?.contains("was truncated while the job was stopped") == true)
        truncated.close()

        try #require(rename(path, folder.file("in.jsonl.1")) == 0)
        try Self.append("r1\nr2\nr3\n", to: path)
        let rotated = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: checkpoint)
        #expect(try Self.drain(rotated).map(\.description) == ["1@3:r1", "2@6:r2", "3@9:r3"])
        #expect(rotated.resumeWarning?.contains("is not the file the checkpoint was reading") == true)
        rotated.close()

        // A position from before any file was read (file 0, offset 0) is the start, without a warning.
        let fresh = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: InputPosition())
        #expect(Self.texts(try Self.drain(fresh)) == ["r1", "r2", "r3"])
        #expect(fresh.resumeWarning == nil)
    }

    @Test func overLongLinesComeAsTheirLengthEvenWhenWrittenInPieces() throws {
        let folder = try TemporaryFolder("follow-oversized")
        defer { folder.remove() }
        let path = folder.file("in.jsonl")
        let long = String(repeating: "y", count: 10_000)
        try Self.append("ok\n" + long, to: path)
        let followed = try FollowedFile(path: path, maxLineBytes: 4096, resumeAt: nil)
        defer { followed.close() }
        #expect(Self.texts(try Self.drain(followed)) == ["ok"])
        try Self.append(long, to: path)
        #expect(try Self.drain(followed).isEmpty)
        try Self.append("\nfine\n", to: path)
        #expect(Self.texts(try Self.drain(followed)) == ["<oversized 20000>", "fine"])
    }

    @Test func manyLinesComeInBatchesOfMaxLines() throws {
        let folder = try TemporaryFolder("follow-batches")
        defer { folder.remove() }
        let path = folder.file("in.jsonl")
        let lines = (0..<50_000).map { "{\"n\":\($0),\"pad\":\"\(String(repeating: "p", count: $0 % 97))\"}" }
        try Self.append(lines.joined(separator: "\n") + "\n", to: path)
        let followed = try FollowedFile(path: path, maxLineBytes: 1 << 20, resumeAt: nil)
        defer { followed.close() }
        var counts: [Int] = []
        var all: [String] = []
        while true {
            var count = 0
            let status = try followed.read(maxLines: 7000) { _, _, content in
                count += 1
                if case .line(let bytes) = content { all.append(String(decoding: bytes, as: UTF8.self)) }
            }
            if status == .caughtUp { break }
            counts.append(count)
        }
        #expect(all == lines)
        #expect(counts.dropLast().allSatisfy { $0 == 7000 })
        #expect(counts.reduce(0, +) == 50_000)
    }

    @Test func gzipAndDirectoriesCannotBeFollowed() throws {
        let folder = try TemporaryFolder("follow-gzip")
        defer { folder.remove() }
        let plain = try folder.write("in.jsonl", "a\nb\n")
        let zipped = folder.file("in.jsonl.gz")
        try gzipped(plain).write(to: URL(fileURLWithPath: zipped))
        let gzip = #expect(throws: ConnectorError.self) {
            try FollowedFile(path: zipped, maxLineBytes: 1 << 20, resumeAt: nil)
        }
        #expect(gzip?.message.contains("\(zipped) is gzip-compressed and cannot be followed") == true)
        let directory = #expect(throws: ConnectorError.self) {
            try FollowedFile(path: folder.path, maxLineBytes: 1 << 20, resumeAt: nil)
        }
        #expect(directory?.message.contains("\(folder.path) is a directory") == true)
    }
}
