import CRdkafka

/// Client settings: librdkafka properties by name (`bootstrap.servers`, `session.timeout.ms`,
/// `security.protocol`, ...; see librdkafka's CONFIGURATION.md). Applied in name order when a client
/// is made; a bad name or value is a `KafkaError` that names the property.
public struct KafkaConfiguration: Sendable, Equatable {
    public var properties: [String: String]

    public init(_ properties: [String: String] = [:]) { self.properties = properties }

    /// `properties` with `bootstrap.servers` set to `bootstrap` (`host:port[,host:port...]`).
    public init(bootstrap: String, _ properties: [String: String] = [:]) {
        self.properties = properties
        self.properties["bootstrap.servers"] = bootstrap
    }

    /// The brokers named by `bootstrap.servers`, for messages.
    public var bootstrap: String { properties["bootstrap.servers"] ?? "(no bootstrap.servers)" }

    /// A new `rd_kafka_conf_t` holding `defaults` overridden by `properties`; the caller owns it.
    func makeConf(defaults: [String: String] = [:]) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(.invalidArgument, "librdkafka could not allocate a configuration")
        }
        let merged = defaults.merging(properties) { _, set in set }
        var errstr = [CChar](repeating: 0, count: 512)
        for name in merged.keys.sorted() {
            let value = merged[name]!
            let result = rd_kafka_conf_set(conf, name, value, &errstr, errstr.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                let shown = Self.isSecret(name) ? "(value hidden)" : "'\(value)'"
                throw KafkaError(
                    .invalidArgument,
                    "Kafka property '\(name)' = \(shown): \(cString(errstr)); see librdkafka's CONFIGURATION.md "
                        + "for the property names and values")
            }
        }
        return conf
    }

    /// Properties whose values are not echoed in messages.
    static func isSecret(_ name: String) -> Bool {
        ["password", "secret", "key", "token", "jaas"].contains { name.lowercased().contains($0) }
    }
}
