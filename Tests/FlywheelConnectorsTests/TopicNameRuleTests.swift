import FlywheelConnectors
import Testing

@testable import FlywheelSignals

/// The pipeline file checks topic names with its own copy of the embedded log's rule (Signals cannot import
/// Connectors); the two must agree on every name.
struct TopicNameRuleTests {
    static let names: [String] = [
        "", "events", "signals.model_quality", "a-b_c.1", "A9", ".hidden", "a.", "-a", "_a", "a b", "a/b", "a:b",
        "caf\u{E9}", "tab\tname", String(repeating: "t", count: 200), String(repeating: "t", count: 201),
        String(repeating: "\u{E9}", count: 100), "\u{0}", "a\nb", "..", ".",
    ]

    @Test(arguments: names)
    func pipelineRuleAgreesWithTheEmbeddedLog(name: String) {
        let logAccepts = (try? Topic.validate(name: name)) != nil
        #expect(PipelineConfig.isValidTopicName(name) == logAccepts)
    }
}
