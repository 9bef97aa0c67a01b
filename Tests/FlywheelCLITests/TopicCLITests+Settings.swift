import FlywheelTesting
import Foundation
import Testing

/// Bad `topic.json` files and `topic create` flags are errors that name the file and key (or the flag), never a
/// crash, a hang, deleted data or a decoder's internals; `topic bench` removes only what it created.
extension TopicCLITests {
    /// A change to the `topic.json` of topic "bad" (set `key` to the JSON `value`, remove it when nil, or replace
    /// the whole file with `value` when `key` is nil), and a phrase its error must contain.
    struct BadFile: CustomTestStringConvertible, Sendable {
        let key: String?
        let value: String?
        let phrase: String
        var testDescription: String { "\(key ?? "file")=\(value ?? "missing")" }

        func apply(to path: String) throws {
            guard let key else { return try Data((value ?? "").utf8).write(to: URL(fileURLWithPath: path)) }
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
            var edited = try #require(object as? [String: Any])
            edited[key] = try value.map {
                try JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed)
            }
            try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: path))
        }
    }

    static let badFiles: [BadFile] = [
        BadFile(key: "partitions", value: "0", phrase: #"key "partitions" must be an integer from 1 to 10000, got 0"#),
        BadFile(key: "partitions", value: "-3", phrase: #"key "partitions""#),
        BadFile(key: "partitions", value: "100000000", phrase: #"key "partitions""#),
        BadFile(key: "partitions", value: #""4""#, phrase: #"key "partitions" must be an integer"#),
        BadFile(key: "partitions", value: nil, phrase: #"key "partitions" is missing"#),
        BadFile(key: "retention_ms", value: "-1", phrase: #"key "retention_ms""#),
        BadFile(key: "retention_bytes", value: "-5", phrase: #"key "retention_bytes""#),
        BadFile(key: "segment_bytes", value: "10", phrase: #"key "segment_bytes""#),
        BadFile(key: "index_interval_bytes", value: "0", phrase: #"key "index_interval_bytes""#),
        BadFile(key: "format_version", value: "2", phrase: #"key "format_version""#),
        BadFile(key: "name", value: #""other""#, phrase: #"key "name""#),
        BadFile(key: nil, value: "{ not json", phrase: "is not a JSON object"),
    ]

    @Test(arguments: badFiles)
    func aBadTopicFileIsNamedAndHidesNoOtherTopic(_ bad: BadFile) throws {
        let folder = try TemporaryFolder("topic-cli-bad-file")
        defer { folder.remove() }
        try Self.topic("good", records: 3, in: folder)
        try Self.topic("bad", records: 30, extra: ["--segment-bytes", "1KiB", "--retention", "7d"], in: folder)
        let path = folder.file("data/bad/topic.json")
        try bad.apply(to: path)
        let segments = try FileManager.default.contentsOfDirectory(atPath: folder.file("data/bad/0"))

        let list = try Self.flywheel(["topic", "list", "--data", "data"], in: folder)
        #expect(list.status == 1, "\(list)")
        #expect(list.stdout.contains("good"), "\(list)")
        #expect(list.stderr.contains("data/bad/topic.json") && list.stderr.contains(bad.phrase), "\(list)")
        for command in [["describe", "bad"], ["consume", "bad"], ["produce", "bad"]] {
            let result = try Self.flywheel(
                ["topic"] + command + ["--data", "data"], stdin: Data("x\n".utf8), in: folder)
            #expect(result.status == 1, "\(command): \(result)")
            #expect(result.stderr.contains("data/bad/topic.json") && result.stderr.contains(bad.phrase), "\(result)")
            for leak in ["DecodingError", "NSCocoaErrorDomain", "keyNotFound", "Fatal error"] {
                #expect(!result.output.contains(leak), "\(command): \(result)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("data/bad/0")) == segments)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("data/bad")).count == 2)
        let deleted = try Self.flywheel(["topic", "delete", "bad", "--data", "data"], in: folder)
        #expect(deleted.status == 0, "\(deleted)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("data/bad")))
    }

    @Test(arguments: [
        (["--partitions", "0"], "--partitions must be an integer from 1 to 10000"),
        (["--partitions", "-3"], "--partitions must be an integer from 1 to 10000"),
        (["--partitions", "100000000"], "--partitions must be an integer from 1 to 10000"),
        (["--segment-bytes", "10B"], "--segment-bytes must be a size from 1KiB to 4GiB"),
        (["--retention-bytes", "100B"], "--retention-bytes must be a size of at least 1KiB"),
        (["--retention", "200000d"], "--retention must be a duration from 1s to 100 years"),
    ])
    func createChecksItsFlagsAgainstTheBoundsOfTheTopicFile(flags: [String], phrase: String) throws {
        let folder = try TemporaryFolder("topic-cli-create-flags")
        defer { folder.remove() }
        let result = try Self.flywheel(["topic", "create", "t", "--data", "data"] + flags, in: folder)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains(phrase), "\(result)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("data/t")))
    }

    @Test func benchRefusesAFolderThatIsNotEmptyAndRemovesOnlyWhatItCreated() throws {
        let folder = try TemporaryFolder("topic-cli-bench")
        defer { folder.remove() }
        let bench = ["topic", "bench", "--records", "100", "--size", "10", "--dir"]
        try FileManager.default.createDirectory(atPath: folder.file("full"), withIntermediateDirectories: false)
        _ = try folder.write("full/keep.txt", "precious")
        let refused = try Self.flywheel(bench + ["full"], in: folder)
        #expect(refused.status == 64, "\(refused)")
        #expect(refused.stderr.contains("not an empty folder"), "\(refused)")
        #expect(FileManager.default.fileExists(atPath: folder.file("full/keep.txt")))

        try FileManager.default.createDirectory(atPath: folder.file("empty"), withIntermediateDirectories: false)
        let inEmpty = try Self.flywheel(bench + ["empty"], in: folder)
        #expect(inEmpty.status == 0, "\(inEmpty)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("empty")).isEmpty)

        let inNew = try Self.flywheel(bench + ["new"], in: folder)
        #expect(inNew.status == 0, "\(inNew)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("new")))
    }

    /// A topic with many partitions holds more files open than a shell's usual soft limit allows: the producer
    /// raises the limit (up to the hard one) instead of failing, and says which limit to raise when it cannot.
    @Test func produceToATopicWithMorePartitionsThanTheSoftOpenFileLimitAllows() throws {
        let folder = try TemporaryFolder("topic-cli-open-files")
        defer { folder.remove() }
        let created = try Self.flywheel(
            ["topic", "create", "wide", "--partitions", "300", "--data", "data"], in: folder)
        try #require(created.status == 0, "\(created)")
        let lines = (0..<600).map { #"{"k": "\#($0)"}"# }.joined(separator: "\n") + "\n"
        func produce(limits: String) throws -> FlywheelCLI.Result {
            try FlywheelCLI.run(
                [
                    "-c", "\(limits) && exec \"$0\" \"$@\"", FlywheelCLI.binary, "topic", "produce", "wide",
                    "--key-field", "k",
                    "--data", "data",
                ],
                stdin: Data(lines.utf8), directory: folder.path, executable: "/bin/sh", timeout: 60)
        }
        let raised = try produce(limits: "ulimit -Sn 256")
        #expect(raised.status == 0, "\(raised)")
        #expect(try Self.consumed("wide", in: folder).count == 600)
        let capped = try produce(limits: "ulimit -n 256")
        #expect(capped.status == 1, "\(capped)")
        #expect(capped.stderr.contains("ulimit -n") && capped.stderr.contains("256"), "\(capped)")
    }

    /// A negative number is a bad value of its flag, not a missing one ("Missing value for '--linger'").
    @Test(arguments: [
        (["produce", "t", "--linger", "-5"], "--linger: bad duration '-5'"),
        (["produce", "t", "--batch-bytes", "-1KiB"], "--batch-bytes: bad size '-1KiB'"),
        (["produce", "t", "--fsync", "-1s"], "--fsync: expected every-batch, never or a duration"),
        (["create", "t", "--segment-bytes", "-5"], "--segment-bytes: bad size '-5'"),
        (["create", "t", "--retention-bytes", "-5"], "--retention-bytes: bad size '-5'"),
        (["create", "t", "--retention", "-5d"], "--retention: bad duration '-5d'"),
        (["bench", "--records", "-5"], "--records must be at least 1"),
        (["bench", "--size", "-5"], "--size must be between 1 and 16777216"),
        (["bench", "--batch-bytes", "-5"], "--batch-bytes: bad size '-5'"),
    ])
    func aNegativeNumberIsABadValueOfItsFlag(arguments: [String], phrase: String) throws {
        let folder = try TemporaryFolder("topic-cli-negative")
        defer { folder.remove() }
        let data = arguments[0] == "bench" ? [] : ["--data", "data"]
        let result = try Self.flywheel(["topic"] + arguments + data, stdin: Data(), in: folder)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains(phrase) && !result.stderr.contains("Missing value"), "\(result)")
    }

    /// A `topic.json` that is a folder or a named pipe is named as unreadable (not "not found, create it"), and
    /// reading it never waits for a writer of the pipe.
    @Test(arguments: ["folder", "fifo"])
    func aTopicFileThatIsNotARegularFileIsNamed(kind: String) throws {
        let folder = try TemporaryFolder("topic-cli-file-kind")
        defer { folder.remove() }
        try Self.topic("bad", records: 1, in: folder)
        let path = folder.file("data/bad/topic.json")
        try FileManager.default.removeItem(atPath: path)
        if kind == "folder" {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        } else {
            try #require(mkfifo(path, 0o644) == 0)
        }
        for command in [["list"], ["describe", "bad"], ["consume", "bad"]] {
            let result = try Self.flywheel(["topic"] + command + ["--data", "data"], in: folder)
            #expect(result.status == 1, "\(command): \(result)")
            #expect(result.stderr.contains("data/bad/topic.json is not a regular file"), "\(command): \(result)")
            #expect(!result.stderr.contains("create it with"), "\(command): \(result)")
        }
    }
}
