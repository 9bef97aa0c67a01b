extension PipelineConfig {
    /// `sources`, `sinks` and `checkpoint` as YAML lines, each left out when at its default (no sources, no
    /// sinks, a 10 s interval). Every field of a listed source or sink is written, defaults included.
    func renderedRuntime() -> [String] {
        var lines: [String] = []
        if !sources.isEmpty {
            lines.append("sources:")
            lines += sources.map { "  \(yamlKey($0.name)): { \(renderedFields(of: $0).joined(separator: ", ")) }" }
        }
        if !sinks.isEmpty {
            lines.append("sinks:")
            lines += sinks.map { "  \(yamlKey($0.name)): { \(renderedFields(of: $0).joined(separator: ", ")) }" }
        }
        if checkpoint != Checkpointing() {
            lines.append("checkpoint: { interval: \(formatDuration(checkpoint.intervalMs)) }")
        }
        return lines
    }

    private func renderedFields(of source: SourceSpec) -> [String] {
        switch source.kind {
        case .topic(let name, let start): ["kind: topic", "topic: \(yamlQuoted(name))", "start: \(start.rawValue)"]
        case .file(let path, let follow): ["kind: file", "path: \(yamlQuoted(path))", "follow: \(follow)"]
        case .kafka(let spec): renderedFields(of: spec)
        }
    }

    /// A kafka source's fields; properties render their names only, each value as `(hidden)` (any may be a
    /// secret), as the kafka sink's do.
    private func renderedFields(of spec: KafkaSourceSpec) -> [String] {
        var fields = ["kind: kafka", "topic: \(yamlQuoted(spec.topic))", "group: \(yamlQuoted(spec.group))"]
        if spec.isSingleBootstrap {
            fields.append("bootstrap: \(yamlQuoted(spec.clusters[0].bootstrap))")
        } else {
            let clusters = spec.clusters.map {
                "{ name: \(yamlQuoted($0.name)), bootstrap: \(yamlQuoted($0.bootstrap)) }"
            }
            fields.append("clusters: [\(clusters.joined(separator: ", "))]")
        }
        fields.append("start: \(spec.start.rawValue)")
        if !spec.properties.isEmpty {
            let properties = spec.properties.map {
                "\(yamlQuoted($0.name)): \(yamlQuoted(KafkaSourceSpec.hiddenValue))"
            }
            fields.append("properties: { \(properties.joined(separator: ", ")) }")
        }
        return fields
    }

    private func renderedFields(of sink: SinkSpec) -> [String] {
        var fields: [String]
        switch sink.kind {
        case .folder(let path, let rollBytes, let rollAgeMs):
            fields = [
                "kind: folder", "path: \(yamlQuoted(path))", "roll_bytes: \(formatSize(Int(rollBytes)))",
                "roll_age: \(formatDuration(rollAgeMs))",
            ]
        case .topic(.single(let name)): fields = ["kind: topic", "topic: \(yamlQuoted(name))"]
        case .topic(.perKind(let prefix)): fields = ["kind: topic", "prefix: \(yamlQuoted(prefix))"]
        case .stdout: fields = ["kind: stdout"]
        case .forward(let spec): fields = ["kind: forward"] + renderedFields(of: spec)
        case .kafka(let spec): fields = ["kind: kafka"] + renderedFields(of: spec)
        }
        if sink.kinds != nil {
            fields.append("kinds: [\(sink.orderedKinds.map(\.name).joined(separator: ", "))]")
        }
        fields.append("linger: \(formatDuration(sink.lingerMs))")
        return fields
    }
}

extension PipelineConfig {
    /// A forward sink's keys other than `kind`, `kinds` and `linger`: every one, defaults included, except
    /// `headers`, `rate`, `dlq` and `ordered_by` when absent. Header templates are written as they are (they
    /// hold placeholders, not the secrets they resolve to).
    private func renderedFields(of spec: ForwardSpec) -> [String] {
        var fields = ["url: \(yamlQuoted(spec.url))"]
        if !spec.headers.isEmpty {
            let headers = spec.headers.map { "\(yamlQuoted($0.name)): \(yamlQuoted($0.template))" }
            fields.append("headers: { \(headers.joined(separator: ", ")) }")
        }
        fields += [
            "batch: \(spec.batch)", "max_in_flight: \(spec.maxInFlight)", "timeout: \(formatDuration(spec.timeoutMs))",
        ]
        if let rate = spec.rate {
            fields.append("rate: \(ForwardSpec.formatRate(rate))")
        }
        fields += [
            "max_pending: \(spec.maxPending)",
            "retry: { max_attempts: \(spec.retry.maxAttempts), backoff_base: \(formatDuration(spec.retry.baseMs)), "
                + "backoff_cap: \(formatDuration(spec.retry.capMs)) }",
            "breaker: { failures: \(spec.breaker.failures), cooldown: \(formatDuration(spec.breaker.cooldownMs)) }",
        ]
        switch spec.deadLetters {
        case .topic(let name): fields.append("dlq: { topic: \(yamlQuoted(name)) }")
        case .folder(let path): fields.append("dlq: { folder: \(yamlQuoted(path)) }")
        case nil: break
        }
        if let orderedBy = spec.orderedBy {
            fields.append("ordered_by: \(yamlQuoted(orderedBy))")
        }
        return fields
    }
}

/// `name` as a YAML mapping key: as is when it is a plain word (`events`, `signals-out`), else double-quoted.
func yamlKey(_ name: String) -> String {
    let plain =
        name.utf8.first.map { $0 == UInt8(ascii: "_") || isASCIILetterOrDigit($0) } == true
        && name.utf8.allSatisfy { isASCIILetterOrDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    return plain ? name : yamlQuoted(name)
}

private func isASCIILetterOrDigit(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
}
