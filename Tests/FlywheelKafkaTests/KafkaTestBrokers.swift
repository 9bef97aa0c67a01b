import FlywheelKafka
import FlywheelRuntime
import FlywheelTesting
import Foundation
import Testing

/// Every suite that talks to a broker, one test at a time: their calls block (librdkafka polls,
/// rebalances of several seconds), and two of them at once would hold both of the threads that every
/// async test of the run shares on a 2-core machine.
@Suite(.serialized, .offThePool) enum KafkaBrokerTests {}

/// The brokers the Kafka tests use, named by FLYWHEEL_KAFKA_A and FLYWHEEL_KAFKA_B (host:port), as
/// `.ci/kafka-brokers start` prints them. Outside CI, tests that need them are skipped when they are
/// unset; with CI=true they run and fail, so that CI cannot pass without them.
enum KafkaTestBrokers {
    static let environment = ProcessInfo.processInfo.environment
    static let a = environment["FLYWHEEL_KAFKA_A"].flatMap { $0.isEmpty ? nil : $0 }
    static let b = environment["FLYWHEEL_KAFKA_B"].flatMap { $0.isEmpty ? nil : $0 }
    static let inCI = environment["CI"] == "true"

    /// Whether the broker tests run: brokers are named, or this is CI (where their absence fails).
    static let enabled = (a != nil && b != nil) || inCI
    static let skipReason: Comment =
        "no Kafka brokers: FLYWHEEL_KAFKA_A/B are unset; run eval \"$(.ci/kafka-brokers start)\" first"

    /// Broker A's address; records a failure naming what to do when it is missing.
    static func bootstrapA() throws -> String { try require(a, "FLYWHEEL_KAFKA_A") }
    static func bootstrapB() throws -> String { try require(b, "FLYWHEEL_KAFKA_B") }

    private static func require(_ value: String?, _ name: String) throws -> String {
        guard let value else {
            Issue.record("\(name) is not set (CI=true): run eval \"$(.ci/kafka-brokers start)\" before swift test")
            throw KafkaTestSetupError()
        }
        checkLibraryVersion()
        return value
    }

    /// Tansu needs librdkafka 2.16's protocol support; Debian's 2.0.2 fails with "Read underflow".
    private static func checkLibraryVersion() {
        let version = Librdkafka.version
        if version.hasPrefix("2.0.") || version.hasPrefix("1.") {
            let message =
                "librdkafka \(version) is loaded, which cannot talk to Tansu: put the 2.16 library first in "
                + "LD_LIBRARY_PATH (eval \"$(.ci/kafka-brokers start)\" does)"
            Issue.record(Comment(rawValue: message))
        }
    }

    /// A topic name no other test uses.
    static func uniqueTopic(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Client properties for tests on broker `bootstrap`; with `group`, a consumer group member's
    /// (`session.timeout.ms=6000`: Tansu makes a first join wait about 23 s otherwise).
    static func configuration(_ bootstrap: String, group: String? = nil) -> KafkaConfiguration {
        var properties = ["socket.timeout.ms": "10000"]
        if let group {
            properties["group.id"] = group
            properties["session.timeout.ms"] = "6000"
        }
        return KafkaConfiguration(bootstrap: bootstrap, properties)
    }
}

struct KafkaTestSetupError: Error {}
