import FlywheelSignals
import Testing

@testable import FlywheelConnectors

/// What ties a data folder to its pipeline leaves out what a migration changes (README, "Moving to another
/// cluster"): a kafka source's clusters and a kafka sink's bootstrap; everything else still counts.
struct RunIdentityMigrationTests {
    static func pipeline(clusters: String, sink: String = "127.0.0.1:9092", topic: String = "events") throws
        -> PipelineConfig
    {
        try PipelineConfig.parse(
            yaml: """
                sources:
                  events: { kind: kafka, topic: \(topic), group: g, clusters: [\(clusters)] }
                sinks:
                  out: { kind: kafka, bootstrap: "\(sink)", topic: signals }
                """, path: nil)
    }

    static func identity(_ config: PipelineConfig) -> String {
        let movable = config.movable()
        return movable.sources.map(\.description).joined() + movable.sinks.map(\.description).joined()
            + movable.effectiveYAML()
    }

    @Test func clustersAddedOrRemovedAndAMovedSinkKeepTheIdentity() throws {
        let a = "{ name: a, bootstrap: \"127.0.0.1:9092\" }"
        let b = "{ name: b, bootstrap: \"127.0.0.1:9093\" }"
        let before = Self.identity(try Self.pipeline(clusters: a))
        #expect(Self.identity(try Self.pipeline(clusters: "\(a), \(b)")) == before)
        #expect(Self.identity(try Self.pipeline(clusters: b, sink: "127.0.0.1:9093")) == before)
        #expect(Self.identity(try Self.pipeline(clusters: a, topic: "other")) != before)
        // The full rendering still names the clusters: a job.json written before migrations were allowed.
        #expect(try Self.pipeline(clusters: a).effectiveYAML() != Self.pipeline(clusters: b).effectiveYAML())
    }
}
