import FlywheelEngine
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelConnectors

/// Decoding is deterministic when many decoders run at once (each has its own reader and channel).
struct ConcurrentDecodingTests {
    @Test func decodingTheSameFileConcurrentlyGivesTheSameLines() async throws {
        let folder = try TemporaryFolder("probe")
        defer { folder.remove() }
        var options = GeneratorOptions()
        options.conversations = 600
        options.seed = 5
        let path = folder.file("log.jsonl")
        _ = try ConversationGenerator(options: options).write(toPath: path)
        let results = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await ProcessingBench.decodeAll(path: path, maxEventBytes: 1 << 20).map(\.position)
                }
            }
            var all: [[Int64]] = []
            for try await result in group { all.append(result) }
            return all
        }
        for result in results { #expect(result == results[0]) }
    }
}
