import Foundation
import Testing

@testable import FlywheelSignals

struct ConversationGeneratorTests {
    static let small = GeneratorOptions(conversations: 400)

    @Test func sameOptionsGiveIdenticalBytesAndAnotherSeedDoesNot() {
        let first = GeneratedLog(Self.small)
        #expect(first.bytes.count > 10_000)
        #expect(GeneratedLog(Self.small).bytes == first.bytes)
        var reseeded = Self.small
        reseeded.seed = 43
        #expect(GeneratedLog(reseeded).bytes != first.bytes)
    }

    /// Two logs of different seeds share no id, so they can be replayed together (once both were `e0`, `c0`).
    @Test func differentSeedsShareNoIdAndIdsNameTheSeed() {
        var options = GeneratorOptions(conversations: 50)
        options.seed = 7
        let seven = GeneratedLog(options)
        options.seed = 8
        let eight = GeneratedLog(options)
        for key in ["event_id", "conversation_id", "message_id", "user_id"] {
            let a = Set(seven.events.compactMap { $0[key] as? String }.filter { !$0.isEmpty })
            let b = Set(eight.events.compactMap { $0[key] as? String }.filter { !$0.isEmpty })
            #expect(!a.isEmpty && a.isDisjoint(with: b), "\(key) shared: \(a.intersection(b).prefix(3))")
        }
        #expect(seven.events.first?["event_id"] as? String == "e7-0")
        #expect(seven.events.contains { $0["conversation_id"] as? String == "c7-0" })
        options.seed = 42
        #expect(GeneratedLog(options).events.contains { $0["conversation_id"] as? String == "c16-0" })
    }

    @Test func everyLineIsValidExceptTheCountedMalformedOnes() {
        var options = Self.small
        options.malformedRate = 1
        let log = GeneratedLog(options)
        let malformed = log.objects.filter { $0 == nil }.count
        #expect(log.stats.lines == log.lines.count)
        #expect(log.stats.lines == log.stats.events + log.stats.duplicates + log.stats.malformed)
        #expect(log.stats.malformed == malformed)
        #expect(malformed > log.stats.events / 2)
        #expect(log.events.count == log.stats.events)
        let types = Set(log.events.compactMap { $0["type"] as? String })
        #expect(types == GeneratorContractCheck.types)
    }

    @Test func defaultRatesGiveFewMalformedLinesAndEveryConversation() {
        let log = GeneratedLog(GeneratorOptions(conversations: 1000))
        #expect(log.stats.conversations == 1000)
        #expect(log.stats.malformed == log.objects.filter { $0 == nil }.count)
        #expect(log.stats.malformed < log.stats.events / 200)
        let conversations = Set(log.events.compactMap { $0["conversation_id"] as? String })
        #expect(conversations.count == 1000)
    }

    @Test func timestampsParseAndOffsetsAppearAtAboutTheConfiguredRate() throws {
        for rate in [0.0, 0.1, 1.0] {
            var options = Self.small
            options.conversations = 1000
            options.utcOffsetRate = rate
            let stamps = GeneratedLog(options).events.compactMap { $0["timestamp"] as? String }
            let offsets = stamps.filter { !$0.hasSuffix("Z") && !$0.hasSuffix("z") }.count
            let fraction = Double(offsets) / Double(stamps.count)
            #expect(abs(fraction - rate) < 0.04, "offset fraction \(fraction) for rate \(rate)")
        }
    }

    @Test func timestampsMeanTheSameInstantAsFoundationReadsThem() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var options = Self.small
        options.utcOffsetRate = 0.5
        var compared = 0
        for event in GeneratedLog(options).events {
            let stamp = try #require(event["timestamp"] as? String)
            let millis = try #require(GeneratorContractCheck.epochMillis(stamp))
            guard stamp.utf8.count == 24 || stamp.utf8.count == 29, stamp.contains("T") else { continue }
            let date = try #require(formatter.date(from: stamp), "\(stamp)")
            #expect(Int64((date.timeIntervalSince1970 * 1000).rounded()) == millis, "\(stamp)")
            compared += 1
        }
        #expect(compared > 2000)
    }

    @Test(arguments: [Int64(3_000), 500])
    func normalEventsStayWithinTheDisorderBound(maxDisorderMs: Int64) throws {
        var options = Self.small
        options.maxDisorderMs = maxDisorderMs
        options.lateRate = 0
        #expect(try Self.disorderViolations(GeneratedLog(options)) == 0)
        options.lateRate = 0.02
        let log = GeneratedLog(options)
        let violations = try Self.disorderViolations(log)
        #expect(violations <= log.stats.late)
        #expect(violations >= log.stats.late / 2 && log.stats.late > 20)
    }

    /// Counts first copies whose event time is more than the bound behind the largest seen so far.
    static func disorderViolations(_ log: GeneratedLog) throws -> Int {
        var maxSeen: Int64 = 0
        var violations = 0
        for event in log.events {
            let time = try #require(GeneratorContractCheck.epochMillis(event["timestamp"] as? String ?? ""))
            if time < maxSeen - log.options.maxDisorderMs { violations += 1 }
            maxSeen = max(maxSeen, time)
        }
        return violations
    }

    @Test func duplicatesAreExactCopiesOfRecentLines() {
        var options = Self.small
        options.duplicateRate = 0.05
        let log = GeneratedLog(options)
        let repeats = log.duplicateIndexes
        #expect(repeats.count == log.stats.duplicates && repeats.count > 100)
        var lastIndex: [[UInt8]: Int] = [:]
        var byEventID: [String: [UInt8]] = [:]
        for (index, line) in log.lines.enumerated() {
            if repeats.contains(index), let earlier = lastIndex[line] {
                #expect((2...420).contains(index - earlier))
            }
            lastIndex[line] = index
            guard let id = log.objects[index]?["event_id"] as? String else { continue }
            #expect(byEventID[id].map { $0 == line } ?? true, "event_id \(id) reused by a different line")
            byEventID[id] = line
        }
    }

    @Test func piiAppearsInAboutPiiRateOfPrompts() {
        for rate in [0.0, 0.05, 0.3] {
            var options = Self.small
            options.conversations = 1000
            options.piiRate = rate
            let prompts = GeneratedLog(options).events.filter { $0["type"] as? String == "prompt" }
            let withPII = prompts.filter { GeneratorContractPII.contains($0["text"] as? String ?? "") }.count
            let fraction = Double(withPII) / Double(prompts.count)
            #expect(abs(fraction - rate) < max(0.02, rate * 0.25), "PII fraction \(fraction) for rate \(rate)")
        }
    }
}
