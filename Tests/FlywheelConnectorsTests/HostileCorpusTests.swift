import FlywheelConnectors
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// Over a hundred hostile lines between good ones: each bad line gives exactly one dead letter with the
/// contract's reason and field, at its line number; good lines are all processed; the counters add up.
struct HostileCorpusTests {
    @Test func corpusHasOverAHundredCases() {
        #expect(HostileCorpus.cases.count >= 109, "\(HostileCorpus.cases.count)")
        #expect(Set(HostileCorpus.cases.map(\.reason)) == ["malformed_json", "missing_field", "invalid_field"])
    }

    @Test(arguments: [(1, 1024), (3, 7)])
    func everyBadLineGivesOneDeadLetterAndTheCountersAddUp(parallelism: Int, batch: Int) async throws {
        let folder = try TemporaryFolder("hostile")
        defer { folder.remove() }
        var bytes: [UInt8] = []
        var lineNumber = 0
        var expected: [(position: Int, reason: String, field: String?)] = []
        func append(_ line: [UInt8]) {
            bytes += line + [UInt8(ascii: "\n")]
            lineNumber += 1
        }
        let good = HostileCorpus.types.enumerated().map { index, type in
            HostileCorpus.line(HostileCorpus.valid(type, id: "good\(index)"))
        }
        for (index, bad) in HostileCorpus.cases.enumerated() {
            append(Array(good[index % good.count].replacingOccurrences(of: "good", with: "g\(index)-").utf8))
            append(bad.bytes)
            expected.append((lineNumber, bad.reason, bad.field))
            if index % 25 == 0 { append(Array(" \t\r".utf8)) }  // blank: skipped, counted nowhere
        }
        append(Array(#"{"event_id":"tl","#.utf8) + Array(repeating: UInt8(ascii: " "), count: 1_100_000) + [0x7D])
        expected.append((lineNumber, "too_large", nil))
        append(Array(good[0].replacingOccurrences(of: "good", with: "g0-").utf8))  // a duplicate
        append(Array(HostileCorpus.with("prompt", "later", "timestamp", "\"2026-11-26T10:10:00.000Z\"").utf8))
        append(Array(HostileCorpus.with("prompt", "late", "timestamp", "\"2026-11-26T10:00:00.000Z\"").utf8))
        let input = folder.file("hostile.jsonl")
        try Data(bytes).write(to: URL(fileURLWithPath: input))

        let result = try await ReplayJob.run(
            ReplayOptions(
                inputs: [input], outputPath: folder.file("out"), parallelism: parallelism, batchLines: batch))
        let c = result.counters
        #expect(c.eventsIn == c.invalidEvents + c.duplicatesDropped + c.lateEvents + c.eventsAccepted)
        #expect(c.invalidEvents == expected.count)
        #expect(c.duplicatesDropped == 1)
        #expect(c.lateEvents == 1)
        #expect(c.eventsAccepted == HostileCorpus.cases.count + 1)

        let letters = try GoldenComparison.records(at: folder.file("out/dead_letter.jsonl"))
            .filter { $0["reason"] as? String != "unresolved_reference" }
        #expect(letters.count == expected.count)
        for (letter, want) in zip(letters, expected) {
            let detail = letter["detail"] as? String ?? ""
            #expect(letter["position"] as? Int == want.position, "\(letter)")
            #expect(letter["reason"] as? String == want.reason, "line \(want.position): \(letter)")
            if let field = want.field { #expect(detail.contains(field), "line \(want.position): \(detail)") }
            #expect((letter["raw"] as? String)?.utf8.count ?? 0 <= 1024)
        }
    }
}
