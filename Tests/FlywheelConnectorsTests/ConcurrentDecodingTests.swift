import FlywheelEngine
import FlywheelRuntime
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

@testable import FlywheelConnectors

/// Decoding is deterministic when many decoders run at once (each has its own reader and channel).
struct ConcurrentDecodingTests {
    @Test func decodingTheSameFileConcurrentlyGivesTheSameLines() async throws {
        let folder = try TemporaryFolder("concurrent-decoding")
        defer { folder.remove() }
        let path = try folder.generatedLog {
            $0.conversations = 600
            $0.seed = 5
        }
        let results = try await withThrowingTaskGroup(of: [InputLine].self) { group in
            for _ in 0..<8 {
                group.addTask { try await ProcessingBench.decodeAll(path: path) }
            }
            var all: [[InputLine]] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results[0].count > 5000)
        for result in results {
            #expect(result.map(\.position) == results[0].map(\.position))
            #expect(result.map(\.decoded) == results[0].map(\.decoded))
            #expect(result.map(\.raw) == results[0].map(\.raw))
        }
    }
}
