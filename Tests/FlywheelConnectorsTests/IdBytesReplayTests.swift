import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// Events keep their ids as bytes, copied or unescaped from the line (`ChatEvent.withId`): a log whose every
/// non-empty id starts with the same escaped, non-ASCII prefix (a quote, a backslash, a decomposed accent, an
/// emoji) gives, once the prefix is taken out of the output again, the very records of the plain log, in the
/// same order. A prefix keeps the ids' byte order, so every tie-break and sort key orders as before.
struct IdBytesReplayTests {
    /// The prefix's characters: "é", a quote, a backslash, "😀", "e" + U+0301.
    static let prefix = "\u{E9}\"\\\u{1F600}e\u{301}"
    /// The prefix as JSON writes it in a line: escaped where it must be, and escaped where it need not be.
    static let escapedPrefix = #"\u00e9\"\\"# + "\u{1F600}" + #"e\u0301"#
    static let idKeys = ["event_id", "conversation_id", "user_id", "message_id", "parent_id", "rejected_id"]

    @Test func escapedAndNonASCIIIdsGiveTheRecordsOfPlainOnes() async throws {
        var options = GeneratorOptions()
        options.conversations = 400
        options.seed = 17
        var bytes: [UInt8] = []
        _ = ConversationGenerator(options: options).generate { bytes.append(contentsOf: $0) }
        let plain = String(decoding: bytes, as: UTF8.self)
        let prefixed = Self.prefixingIds(plain)
        #expect(prefixed != plain)

        let folder = try TemporaryFolder("id-bytes")
        defer { folder.remove() }
        let plainOutput = try await Self.replay(plain, in: folder.file("plain"))
        let prefixedOutput = try await Self.replay(prefixed, in: folder.file("prefixed"))
        var compared = 0
        for (kind, lines) in plainOutput {
            let other = prefixedOutput[kind] ?? []
            #expect(other.count == lines.count, "\(kind): \(other.count) records against \(lines.count)")
            for (mine, theirs) in zip(lines, other) {
                #expect(Self.canonical(mine, strippingPrefix: false) == Self.canonical(theirs, strippingPrefix: true))
                compared += 1
            }
        }
        #expect(plainOutput["preference_pair"]?.isEmpty == false && plainOutput["sft_example"]?.isEmpty == false)
        #expect(compared > 500)
    }

    /// The line with the prefix written at the start of each non-empty id value (the generator writes
    /// `"key":"value"`; malformed lines are left as they are).
    static func prefixingIds(_ log: String) -> String {
        var result = log
        for key in idKeys {
            let pattern = "\"\(key)\":\"(?=[^\"])"
            result = result.replacingOccurrences(
                of: pattern, with: "\"\(key)\":\"" + NSRegularExpression.escapedTemplate(for: escapedPrefix),
                options: .regularExpression)
        }
        return result
    }

    /// Replays `log` and returns each kind's lines in file order.
    static func replay(_ log: String, in directory: String) async throws -> [String: [String]] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let input = directory + "/events.jsonl"
        try log.write(toFile: input, atomically: true, encoding: .utf8)
        _ = try await ReplayJob.run(
            ReplayOptions(inputs: [input], outputPath: directory + "/out", parallelism: 1, force: true))
        var lines: [String: [String]] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory + "/out")
        where file.hasSuffix(".jsonl") {
            let text = try String(contentsOfFile: directory + "/out/" + file, encoding: .utf8)
            lines[String(file.dropLast(6))] = text.split(separator: "\n").map(String.init)
        }
        return lines
    }

    /// The record as sorted-key JSON, without `raw` (a dead letter quotes its input line, which differs) and
    /// `source` (the input's path, in another folder), the prefix taken out of every string when asked.
    static func canonical(_ line: String, strippingPrefix: Bool) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            return "not an object: " + line
        }
        object["raw"] = nil
        object["source"] = nil
        func strip(_ value: Any) -> Any {
            switch value {
            case let string as String:
                return strippingPrefix ? string.replacingOccurrences(of: prefix, with: "") : string
            case let array as [Any]: return array.map(strip)
            case let dictionary as [String: Any]: return dictionary.mapValues(strip)
            default: return value
            }
        }
        let stripped = object.mapValues(strip)
        let data = (try? JSONSerialization.data(withJSONObject: stripped, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
