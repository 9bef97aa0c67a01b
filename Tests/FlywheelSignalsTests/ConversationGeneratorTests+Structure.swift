import Foundation
import Testing

@testable import FlywheelSignals

struct ConversationGeneratorStructureTests {
    static let log = GeneratedLog(GeneratorOptions(conversations: 2000, seed: 7))

    static func events(ofType type: String) -> [[String: Any]] {
        log.events.filter { $0["type"] as? String == type }
    }

    @Test func choicesReferenceTwoResponsesToOnePromptUnlessDeliberatelyUnresolved() throws {
        let responses = Dictionary(
            Self.events(ofType: "response").map { ($0["message_id"] as? String ?? "", $0) },
            uniquingKeysWith: { a, _ in a })
        let messages = Set(Self.log.events.compactMap { $0["message_id"] as? String })
        let choices = Self.events(ofType: "choice")
        var unresolved = 0
        for choice in choices {
            let chosen = try #require(choice["parent_id"] as? String)
            let rejected = try #require(choice["rejected_id"] as? String)
            guard let a = responses[chosen], let b = responses[rejected] else {
                unresolved += 1
                #expect(messages.contains(chosen) == (responses[chosen] != nil))
                #expect(messages.contains(rejected) == (responses[rejected] != nil))
                continue
            }
            #expect(a["parent_id"] as? String == b["parent_id"] as? String)
            #expect(a["conversation_id"] as? String == choice["conversation_id"] as? String)
        }
        #expect(choices.count > 200)
        #expect(unresolved >= 1 && unresolved * 20 < choices.count)
    }

    @Test func responsesAndReactionsFollowWhatTheyReferTo() throws {
        var times: [String: (time: Int64, type: String)] = [:]
        for event in Self.log.events {
            guard let id = event["message_id"] as? String, let stamp = event["timestamp"] as? String else { continue }
            times[id] = (try #require(GeneratorContractCheck.epochMillis(stamp)), event["type"] as? String ?? "")
        }
        for event in Self.log.events {
            guard let type = event["type"] as? String, ["response", "feedback", "copy", "regenerate"].contains(type),
                let parent = event["parent_id"] as? String, let target = times[parent]
            else { continue }
            #expect(target.type == (type == "response" ? "prompt" : "response"))
            #expect(
                try #require(GeneratorContractCheck.epochMillis(event["timestamp"] as? String ?? "")) >= target.time)
        }
    }

    @Test func scriptsExerciseEveryFeatureOfTheContract() throws {
        let feedback = Self.events(ofType: "feedback")
        let ratings = Dictionary(grouping: feedback) { $0["parent_id"] as? String ?? "" }
        #expect(ratings.values.contains { $0.map { $0["rating"] as? String } == ["down", "up"] })
        #expect(feedback.contains { $0["comment"] is String })
        #expect(Self.events(ofType: "error").contains { $0["error_code"] is String })
        #expect(Self.events(ofType: "error").contains { $0["error_code"] == nil })
        #expect(Self.log.events.contains { $0["variant"] as? String == "" })
        #expect(Self.log.events.contains { $0["variant"] == nil })
        #expect(Self.log.events.contains { $0["user_id"] == nil })
        let latencies = Self.events(ofType: "response").compactMap { $0["latency_ms"] as? Double }
        #expect(latencies.contains { $0 != $0.rounded() } && latencies.contains { $0 == $0.rounded() })
        #expect(Self.log.lines.contains { String(decoding: $0, as: UTF8.self).contains("\"user_id\":null") })
        #expect(try Self.longestPauseMs() > 30 * 60_000)
    }

    /// Longest gap between consecutive events of one conversation.
    static func longestPauseMs() throws -> Int64 {
        var byConversation: [String: [Int64]] = [:]
        for event in log.events {
            let time = try #require(GeneratorContractCheck.epochMillis(event["timestamp"] as? String ?? ""))
            byConversation[event["conversation_id"] as? String ?? "", default: []].append(time)
        }
        return byConversation.values.map { times in
            let sorted = times.sorted()
            return zip(sorted, sorted.dropFirst()).map { $1 - $0 }.max() ?? 0
        }.max() ?? 0
    }

    @Test func oneModelIsNoticeablyWorse() {
        var down: [String: (down: Int, all: Int)] = [:]
        for event in Self.events(ofType: "feedback") {
            let model = event["model"] as? String ?? ""
            let isDown = event["rating"] as? String == "down" ? 1 : 0
            down[model] = (down[model, default: (0, 0)].down + isDown, down[model, default: (0, 0)].all + 1)
        }
        let rates = down.mapValues { Double($0.down) / Double(max(1, $0.all)) }
        #expect(rates.count == 4)
        #expect(rates["orion-preview", default: 0] > 0.45)
        #expect(rates.filter { $0.key != "orion-preview" }.values.allSatisfy { $0 < 0.3 })
    }

    @Test func reorderBufferStaysBoundedAsTheLogGrows() {
        func peak(_ conversations: Int) -> Int {
            var state = GenerationState(
                options: GeneratorOptions(conversations: conversations, conversationsPerMinute: 6))
            state.run { _ in }
            return state.peakPending
        }
        let shorter = peak(2000)
        let longer = peak(8000)
        #expect(shorter > 0 && Double(longer) < Double(shorter) * 1.5, "peaks \(shorter) and \(longer)")
    }

    @Test func writesAboutOneMebibyteChunksEndingAtLineBoundaries() throws {
        var sizes: [Int] = []
        var endsWithNewline = true
        _ = ConversationGenerator(options: GeneratorOptions(conversations: 6000)).generate { chunk in
            sizes.append(chunk.count)
            endsWithNewline = endsWithNewline && chunk.last == 0x0A
        }
        #expect(endsWithNewline && sizes.count > 2)
        #expect(sizes.dropLast().allSatisfy { (1 << 20)..<(1 << 20) + 65_536 ~= $0 })
    }

    @Test func writeToPathWritesTheSameBytesAsGenerate() throws {
        let options = GeneratorOptions(conversations: 50)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flywheel-gen-\(UUID()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let stats = try ConversationGenerator(options: options).write(toPath: path)
        let written = try #require(FileManager.default.contents(atPath: path))
        #expect([UInt8](written) == GeneratedLog(options).bytes)
        #expect(stats == GeneratedLog(options).stats)
        #expect(throws: GeneratorError.self) {
            try ConversationGenerator(options: options).write(toPath: "/nonexistent/x")
        }
    }
}
