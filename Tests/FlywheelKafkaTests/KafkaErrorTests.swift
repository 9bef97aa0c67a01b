import FlywheelKafka
import Foundation
import Testing

extension KafkaBrokerTests {
    /// Errors that need no broker: a closed port and bad properties.
    struct KafkaErrorTests {
        @Test func undeliverableRecordsMakeFlushThrowInsteadOfVanishing() throws {
            let producer = try KafkaProducer(
                KafkaConfiguration(
                    bootstrap: "127.0.0.1:\(KafkaTestPorts.closed())", ["message.timeout.ms": "1500", "log_level": "0"])
            )
            for index in 0..<3 { try producer.send(topic: "nowhere", key: nil, value: Array("\(index)".utf8)) }
            let error = try #require(throws: KafkaError.self) { try producer.flush(timeout: .seconds(20)) }
            #expect(error.code == .messageTimedOut)
            #expect(error.message.contains("3 records"))
            #expect(error.message.contains("nowhere"))
            #expect(producer.deliveries.failed == 3)
            #expect(producer.deliveries.delivered == 0)
            // Reported once: the next flush has nothing new to report.
            try producer.flush(timeout: .seconds(1))
        }

        @Test func metadataFromAClosedPortTimesOut() throws {
            let consumer = try KafkaConsumer(
                KafkaConfiguration(bootstrap: "127.0.0.1:\(KafkaTestPorts.closed())", ["log_level": "0"]))
            #expect(throws: KafkaError.self) { try consumer.metadata(timeout: .milliseconds(500)) }
            consumer.close()
        }

        @Test(arguments: [
            (["no.such.property": "1"], "'no.such.property'"),
            (["session.timeout.ms": "soon"], "'session.timeout.ms' = 'soon'"),
            (["sasl.password": "x", "security.protocol": "carrier_pigeon"], "'security.protocol' = 'carrier_pigeon'"),
        ])
        func badPropertyIsNamedInTheError(properties: [String: String], named: String) throws {
            let error = try #require(throws: KafkaError.self) { try KafkaConsumer(KafkaConfiguration(properties)) }
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(named), "\(error.message)")
        }

        @Test func secretValuesAreNotEchoed() throws {
            let error = try #require(throws: KafkaError.self) {
                try KafkaProducer(KafkaConfiguration(["no.such.password": "hunter2"]))
            }
            #expect(error.message.contains("'no.such.password' = (value hidden)"))
            #expect(!error.message.contains("hunter2"))
        }
    }
}

enum KafkaTestPorts {
    /// A loopback port nothing listens on (bound by the OS, then closed).
    static func closed() -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
