import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// Cases where an independent implementation of the contract and Flywheel once differed.
struct ReferenceCaseTests {
    func replay(_ lines: [String], pipeline: String = "", batch: Int = 1024) async throws -> (
        TemporaryFolder, ReplayResult
    ) {
        let folder = try TemporaryFolder("reference-case")
        let input = try folder.write("in.jsonl", lines.joined(separator: "\n") + "\n")
        let config = try PipelineConfig.parse(yaml: pipeline, path: nil)
        let result = try await ReplayJob.run(
            ReplayOptions(inputs: [input], outputPath: folder.file("out"), config: config, batchLines: batch))
        return (folder, result)
    }

    /// With allowed lateness a choice can arrive after its deadline has passed; its dead letter arises on
    /// its arrival, after the dead letters of earlier lines, whatever the batch size.
    @Test(arguments: [1, 2, 1024])
    func deadLetterOfAChoicePastItsDeadlineFollowsEarlierLines(batch: Int) async throws {
        let lines = [
            #"{"event_id":"x1","type":"prompt","timestamp":"2026-11-26T10:00:00.000Z","conversation_id":"cx","message_id":"q1","text":"q"}"#,
            #"{"event_id":"x2","type":"prompt","timestamp":"2026-11-26T10:01:00.000Z","conversation_id":"cx","message_id":"q2","text":"w"}"#,
            #"{"event_id":"bad1","type":"prompt","timestamp":"2026-11-26T10:01:01.000Z","conversation_id":"cx","message_id":"q3"}"#,
            #"{"event_id":"c1","type":"choice","timestamp":"2026-11-26T10:00:00.000Z","conversation_id":"c","parent_id":"a","rejected_id":"b"}"#,
        ]
        let pipeline = "time:\n  allowed_lateness: 2m\nsignals:\n  preference_pair: { join_ttl: 10s }\n"
        let (folder, _) = try await replay(lines, pipeline: pipeline, batch: batch)
        defer { folder.remove() }
        let letters = try GoldenComparison.records(at: folder.file("out/dead_letter.jsonl"))
        #expect(letters.map { $0["reason"] as? String } == ["missing_field", "unresolved_reference"])
    }

    /// Valid token counts reach 2^53 each, so a window's sums can pass 2^63.
    @Test func tokenSumsPastSixtyFourBitsAreExact() async throws {
        let lines = (0..<1024).map { index in
            #"{"event_id":"t\#(index)","type":"response","timestamp":"2026-11-26T10:00:00.000Z","conversation_id":"c","message_id":"m\#(index)","parent_id":"p","model":"m1","text":"x","latency_ms":1,"tokens_in":9007199254740992}"#
        }
        let (folder, _) = try await replay(lines)
        defer { folder.remove() }
        let text = try String(contentsOfFile: folder.file("out/model_quality.jsonl"), encoding: .utf8)
        #expect(text.contains(#""tokens_in": 9223372036854775808"#))
    }

    /// A latency sum that overflows a double still has a finite mean.
    @Test func latencyMeanSurvivesAnOverflowingSum() async throws {
        let lines = (0..<2).map { index in
            #"{"event_id":"l\#(index)","type":"response","timestamp":"2026-11-26T10:00:00.000Z","conversation_id":"c","message_id":"m\#(index)","parent_id":"p","model":"m1","text":"x","latency_ms":1.7e308}"#
        }
        let (folder, _) = try await replay(lines)
        defer { folder.remove() }
        let record = try #require(try GoldenComparison.records(at: folder.file("out/model_quality.jsonl")).first)
        #expect((record["latency_ms_mean"] as? Double) == 1.7e308)
    }

    /// A lone surrogate escape, high or low, makes the line malformed (CONTRACT 1, v1.1), so "\ud800",
    /// "\udbff" and "\ufffd" stay three ids and are not merged into U+FFFD; a proper pair is accepted.
    @Test func loneSurrogateEscapeMakesTheLineMalformed() async throws {
        let ids = [#"\ud800"#, #"\udbff"#, #"\udc00x"#, #"a\ud800\u0041"#, #"\ufffd"#, #"\ud83d\ude00"#]
        let lines = ids.enumerated().map { index, id in
            #"{"event_id":"\#(id)","type":"prompt","timestamp":"2026-11-26T10:00:0\#(index).000Z","conversation_id":"c","message_id":"m\#(index)","text":"x"}"#
        }
        let (folder, result) = try await replay(lines)
        defer { folder.remove() }
        #expect(result.counters.eventsAccepted == 2)
        #expect(result.counters.invalidEvents == 4)
        #expect(result.counters.duplicatesDropped == 0)
        let letters = try GoldenComparison.records(at: folder.file("out/dead_letter.jsonl"))
        #expect(letters.map { $0["reason"] as? String } == Array(repeating: "malformed_json", count: 4))
        #expect(letters.map { $0["position"] as? Int } == [1, 2, 3, 4])
    }

    /// Canonically equivalent strings are different values (CONTRACT 1, v1.1): a conversation answered by
    /// "m\u{E9}" and "me\u{301}" lists both models, and a choice between "r\u{E9}" and "re\u{301}" is valid.
    @Test func canonicallyEquivalentIdsStayDistinct() async throws {
        let lines = [
            #"{"event_id":"a","type":"response","timestamp":"2026-11-26T10:00:00.000Z","conversation_id":"c","message_id":"r\u00e9","parent_id":"p","model":"m\u00e9","text":"x","latency_ms":1}"#,
            #"{"event_id":"b","type":"response","timestamp":"2026-11-26T10:00:01.000Z","conversation_id":"c","message_id":"re\u0301","parent_id":"p","model":"me\u0301","text":"y","latency_ms":1}"#,
            #"{"event_id":"c","type":"choice","timestamp":"2026-11-26T10:00:02.000Z","conversation_id":"c","parent_id":"r\u00e9","rejected_id":"re\u0301"}"#,
        ]
        let (folder, result) = try await replay(lines)
        defer { folder.remove() }
        #expect(result.counters.invalidEvents == 0)
        let summary = try #require(
            try GoldenComparison.records(at: folder.file("out/conversation_summary.jsonl")).first)
        let models = try #require(summary["models"] as? [String])
        #expect(
            models.map { Array($0.unicodeScalars) } == [
                Array("me\u{301}".unicodeScalars), Array("m\u{E9}".unicodeScalars),
            ])
    }

    /// A response can be the event that makes a rule hold (its ratings came first); when its pair never
    /// gets its prompt, the response's own line is the dead letter's `raw` (CONTRACT 3.2 and 4).
    @Test func unresolvedResponseKeepsItsRawLine() async throws {
        let response =
            #"{"event_id":"rb","type":"response","timestamp":"2026-11-26T10:00:03.000Z","conversation_id":"c","message_id":"b","parent_id":"p","model":"m","text":"y","latency_ms":1}"#
        let lines = [
            #"{"event_id":"fa","type":"feedback","timestamp":"2026-11-26T10:00:00.000Z","conversation_id":"c","parent_id":"a","model":"m","rating":"up"}"#,
            #"{"event_id":"fb","type":"feedback","timestamp":"2026-11-26T10:00:01.000Z","conversation_id":"c","parent_id":"b","model":"m","rating":"down"}"#,
            #"{"event_id":"ra","type":"response","timestamp":"2026-11-26T10:00:02.000Z","conversation_id":"c","message_id":"a","parent_id":"p","model":"m","text":"x","latency_ms":1}"#,
            response,
        ]
        let (folder, result) = try await replay(lines)
        defer { folder.remove() }
        #expect(result.counters.unresolvedReferences == 1)
        let letters = try GoldenComparison.records(at: folder.file("out/dead_letter.jsonl"))
        #expect(letters.map { $0["raw"] as? String } == [response])
        #expect(letters.map { $0["position"] as? Int } == [4])
    }
}
