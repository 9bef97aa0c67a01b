extension PipelineConfig {
    /// The `service:` section: settings of `flywheel serve`, each nil when the file does not set it (flags and
    /// environment variables win over them; the service's defaults apply to what none sets).
    ///
    /// Other commands accept and ignore the section; `effectiveYAML()` does not render it (it changes nothing a
    /// job writes, so a served data folder's checkpoints stay valid when, say, the port changes).
    public struct ServiceSettings: Sendable, Equatable {
        /// Address to listen on.
        public var host: String?
        /// Port to listen on, 0 to 65535 (0: any free port).
        public var port: Int?
        /// The largest request body, 1KiB to 1GiB.
        public var maxBodyBytes: Int?
        /// A file of ingest tokens, one per line; resolved against the pipeline file's folder.
        public var ingestTokenFile: String?
        /// A file of read tokens, one per line; resolved against the pipeline file's folder.
        public var readTokenFile: String?
        /// How long a connection may stay silent (no request bytes, no request in progress) before it is closed.
        public var clientTimeoutMs: Int64?
        /// Where each key was written, `FILE:LINE`, by key (`ingest_token_file`), for messages about its value.
        public var locations: [String: String] = [:]

        public init() {}

        /// The keys set, for people: `host "0.0.0.0", port 9000, ingest_token_file "/etc/flywheel/ingest"`.
        public var summary: String {
            var parts: [String] = []
            if let host { parts.append("host \(yamlQuoted(host))") }
            if let port { parts.append("port \(port)") }
            if let maxBodyBytes { parts.append("max_body \(formatSize(maxBodyBytes))") }
            if let clientTimeoutMs { parts.append("client_timeout \(formatDuration(clientTimeoutMs))") }
            if let ingestTokenFile { parts.append("ingest_token_file \(yamlQuoted(ingestTokenFile))") }
            if let readTokenFile { parts.append("read_token_file \(yamlQuoted(readTokenFile))") }
            return parts.joined(separator: ", ")
        }

        /// Whether the section sets nothing.
        public var isEmpty: Bool {
            host == nil && port == nil && maxBodyBytes == nil && ingestTokenFile == nil && readTokenFile == nil
                && clientTimeoutMs == nil
        }
    }

    /// Keys accepted under `service`.
    static let serviceKeys = ["host", "port", "max_body", "ingest_token_file", "read_token_file", "client_timeout"]
    /// Bounds of `service.max_body`, inclusive (as `--max-body`).
    public static let maxBodyRange = 1_024...(1 << 30)
    /// Bounds of `service.client_timeout` in milliseconds, inclusive (as `--client-timeout`).
    public static let clientTimeoutRange: ClosedRange<Int64> = 100...86_400_000

    static func parseService(
        _ section: YAMLEntry, reader: YAMLNodeReader, pipelinePath: String?
    ) throws(PipelineError) -> ServiceSettings {
        var service = ServiceSettings()
        for entry in try reader.entries(of: section.value, path: section.path, allowed: serviceKeys) {
            switch entry.key {
            case "host": service.host = try reader.string(entry)
            case "port":
                let port = try reader.integer(entry)
                guard (0...65535).contains(port) else {
                    let message = "must be a port number (0 to 65535; 0 picks a free one), got \(port)"
                    throw reader.failure(.badValue, message, node: entry.value, key: entry.path)
                }
                service.port = port
            case "max_body":
                let bytes = try reader.size(entry)
                guard maxBodyRange.contains(bytes) else {
                    let message = "must be between 1KiB and 1GiB, got \(formatSize(bytes))"
                    throw reader.failure(.badValue, message, node: entry.value, key: entry.path)
                }
                service.maxBodyBytes = bytes
            case "ingest_token_file":
                service.ingestTokenFile = resolveCatalogPath(try reader.string(entry), pipelinePath: pipelinePath)
            case "read_token_file":
                service.readTokenFile = resolveCatalogPath(try reader.string(entry), pipelinePath: pipelinePath)
            case "client_timeout":
                let millis = try reader.duration(entry)
                guard clientTimeoutRange.contains(millis) else {
                    let message = "must be between 100ms and 1d, got \(formatDuration(millis))"
                    throw reader.failure(.badValue, message, node: entry.value, key: entry.path)
                }
                service.clientTimeoutMs = millis
            default: break  // entries(of:) admits only serviceKeys
            }
            service.locations[entry.key] = "\(reader.file):\(entry.keyNode.mark?.line ?? 0)"
        }
        return service
    }
}
