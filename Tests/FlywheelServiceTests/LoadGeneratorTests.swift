import FlywheelService
import FlywheelSignals
import FlywheelTesting
import Foundation
import Testing

/// `flywheel loadgen`'s engine against a service in this process: every generated event is acknowledged and
/// appended once, the ack log names each, and preference pairs completed by sampled requests are timed.
@Suite(.timeLimit(.minutes(5)))
struct LoadGeneratorTests {
    @Test func generatedLoadIsAcknowledgedAppendedAndPairsAreTimed() async throws {
        let folder = try TemporaryFolder("loadgen")
        defer { folder.remove() }
        var configuration = try ServiceHarness.configuration(data: folder.file("data"))
        configuration.pipeline.config.time.idleTimeoutMs = 500
        try await ServiceHarness.run(configuration) { service in
            var options = LoadOptions(url: "http://127.0.0.1:\(service.port)/", rate: 4_000)
            options.batch = 200
            options.seconds = 2
            options.connections = 3
            options.seed = 77
            // 2 s of load are 100 s of event time: W passes most pairs while it runs.
            options.eventTimeSpeed = 50
            options.ackLog = folder.file("acked.txt")
            options.dataDir = service.data
            let bodies = try LoadFeed.bodies(for: options)
            let lines = bodies.reduce(0) { $0 + $1.lines }
            #expect(lines >= 8_000 && bodies.allSatisfy { $0.lines <= 200 } && bodies.count >= 40)
            let report = try await LoadGenerator.run(options, bodies: bodies)
            // The bodies due within the 2 s: the generator writes whole conversations, so a few more exist.
            let sent = bodies.prefix(report.requestsSent)
            let events = sent.reduce(0) { $0 + $1.lines }
            #expect(report.requestsSent >= 39 && report.requestsAcknowledged == report.requestsSent)
            #expect(report.requestsGivenUp == 0 && report.errors.isEmpty)
            #expect(report.eventsAcknowledged == events && report.accepted + report.rejected == events)
            #expect(report.latencies.count == report.requestsAcknowledged)
            #expect(try service.eventsTopic().joined().count == events)
            let acked = try String(contentsOfFile: folder.file("acked.txt"), encoding: .utf8).split(separator: "\n")
            let expectedIDs = Set(sent.flatMap { $0.eventIDs.map { Substring($0) } })
            #expect(
                Set(acked) == expectedIDs, "\(Set(acked).subtracting(expectedIDs)) \(expectedIDs.subtracting(acked))")
            let pairs = try #require(report.pairs)
            #expect(pairs.seen > 0 && !pairs.delays.isEmpty, "\(report.text)")
        }
    }

    @Test func aMissingEventsFileIsAUsageError() throws {
        var options = LoadOptions(url: "http://127.0.0.1:1", rate: 10)
        options.eventsFile = "/nonexistent/events.jsonl"
        #expect(throws: ServiceError.self) { try LoadFeed.bodies(for: options) }
    }
}
