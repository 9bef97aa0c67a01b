extension PipelineConfig {
    /// The full effective configuration as pipeline YAML: every `time` key, `enrich.model_catalog` when set,
    /// and under `signals` exactly the enabled kinds with their parameters (`signals: {}` when none).
    ///
    /// Parsing the result with `parse(yaml:path: nil)` gives back an equal configuration, provided disabled
    /// kinds keep their default parameters (always true of a parsed configuration). Durations and sizes use the
    /// largest unit that is exact (`60000` ms renders as `1m`). `description` is not kept and so not rendered.
    ///
    /// The keys of live runs (`sources`, `sinks`, `checkpoint`, `time.idle_advance`) are rendered only when they
    /// differ from their defaults, so a pipeline without them renders as it did before they existed (the text
    /// is part of a checkpointed replay's identity).
    public func effectiveYAML() -> String {
        var lines: [String] = []
        if let name {
            lines.append("name: \(yamlQuoted(name))")
        }
        lines.append("time:")
        lines.append("  max_out_of_orderness: \(formatDuration(time.maxOutOfOrdernessMs))")
        lines.append("  allowed_lateness: \(formatDuration(time.allowedLatenessMs))")
        lines.append("  idle_timeout: \(formatDuration(time.idleTimeoutMs))")
        lines.append("  dedup_ttl: \(formatDuration(time.dedupTTLMs))")
        lines.append("  max_event_bytes: \(formatSize(time.maxEventBytes))")
        if !time.idleAdvance {
            lines.append("  idle_advance: none")
        }
        if let modelCatalogPath {
            lines.append("enrich:")
            lines.append("  model_catalog: \(yamlQuoted(modelCatalogPath))")
        }
        let kinds = SignalKind.allCases.filter { signals.enabled.contains($0) }
        if kinds.isEmpty {
            lines.append("signals: {}")
        } else {
            lines.append("signals:")
            lines += kinds.map { "  \($0.rawValue): \(renderedParameters(of: $0))" }
        }
        lines += renderedExports()
        lines += renderedRuntime()
        return lines.joined(separator: "\n") + "\n"
    }

    /// The flow mapping of one kind's parameters, e.g. `{ window: 1m }`.
    private func renderedParameters(of kind: SignalKind) -> String {
        let keys = kind.record.descriptor.parameters
        guard !keys.isEmpty else { return "{}" }
        return "{ " + keys.map { "\($0): \(renderedParameter($0))" }.joined(separator: ", ") + " }"
    }

    /// The value of one signal parameter, by its key in `RecordDescriptor.parameters`.
    private func renderedParameter(_ key: String) -> String {
        switch key {
        case "window": formatDuration(signals.modelQualityWindowMs)
        case "join_ttl": formatDuration(signals.joinTTLMs)
        case "state_ttl": formatDuration(signals.pairStateTTLMs)
        case "gap": formatDuration(signals.sessionGapMs)
        case "min_feedback": "\(signals.alertMinFeedback)"
        case "max_down_rate": "\(signals.alertMaxDownRate)"
        default: preconditionFailure("signal parameter \(key) has no rendering")
        }
    }
}

/// `text` as a YAML double-quoted scalar, escaping backslashes, quotes and control characters.
func yamlQuoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\\": result += "\\\\"
        case "\"": result += "\\\""
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
            let hex = String(scalar.value, radix: 16, uppercase: true)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
