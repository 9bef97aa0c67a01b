import Yams

extension PipelineConfig {
    /// Keys accepted at the top of a pipeline file.
    static let topLevelKeys = [
        "name", "description", "time", "enrich", "signals", "exports", "sources", "sinks", "checkpoint",
        "service",
    ]
    /// Keys accepted under `time`.
    static let timeKeys = [
        "max_out_of_orderness", "allowed_lateness", "idle_timeout", "dedup_ttl", "max_event_bytes", "idle_advance",
    ]
    /// Keys accepted under `enrich`.
    static let enrichKeys = ["model_catalog"]
    /// Bounds of `time.max_event_bytes`, inclusive.
    static let eventBytesRange = 1_024...67_108_864

    /// Parses pipeline YAML.
    ///
    /// `path` is used to resolve `enrich.model_catalog` and in error messages (`nil` = `<pipeline>`, and the
    /// catalog path is kept as written). An empty document is the default pipeline. The first problem found
    /// is thrown: unknown keys (`.unknownKey`), malformed durations and sizes (`.badDuration`, `.badSize`),
    /// out-of-range or missing values (`.badValue`), wrong shapes (`.badType`) and invalid YAML
    /// (`.yamlSyntax`), each with the 1-based line of the offending key or value. `sources`, `sinks`,
    /// `checkpoint` and `time.idle_advance` configure live runs; replay ignores them. `service` configures
    /// `flywheel serve`; every other command ignores it.
    public static func parse(yaml: String, path: String?) throws(PipelineError) -> PipelineConfig {
        let reader = YAMLNodeReader(file: path ?? "<pipeline>")
        guard let root = try reader.compose(yaml) else { return .default }
        guard root.mapping != nil else {
            let message = "a pipeline must be a mapping with keys such as time, enrich, signals"
            throw reader.failure(.badType, message, node: root, key: nil)
        }
        var config = PipelineConfig()
        for entry in try reader.entries(of: root, path: "", allowed: topLevelKeys) {
            switch entry.key {
            case "name": config.name = try reader.string(entry)
            case "description": _ = try reader.string(entry)
            case "time": config.time = try parseTime(entry, reader: reader)
            case "enrich": config.modelCatalogPath = try parseEnrich(entry, reader: reader, pipelinePath: path)
            case "signals": config.signals = try parseSignals(entry, reader: reader)
            case "exports": config.exports = try parseExports(entry, reader: reader)
            case "sources": config.sources = try parseSources(entry, reader: reader)
            case "sinks": config.sinks = try parseSinks(entry, reader: reader)
            case "checkpoint": config.checkpoint = try parseCheckpoint(entry, reader: reader)
            case "service": config.service = try parseService(entry, reader: reader, pipelinePath: path)
            default: break  // entries(of:) admits only topLevelKeys
            }
        }
        try checkDistinctNames(config, reader: reader)
        try checkTransactionalSinks(config, reader: reader)
        return config
    }

    private static func parseTime(_ section: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Time {
        var time = Time()
        var latenessEntry: YAMLEntry?
        var dedupEntry: YAMLEntry?
        for entry in try reader.entries(of: section.value, path: section.path, allowed: timeKeys) {
            switch entry.key {
            case "max_out_of_orderness": time.maxOutOfOrdernessMs = try reader.duration(entry)
            case "allowed_lateness":
                time.allowedLatenessMs = try reader.duration(entry)
                latenessEntry = entry
            case "idle_timeout": time.idleTimeoutMs = try reader.positiveDuration(entry)
            case "dedup_ttl":
                time.dedupTTLMs = try reader.duration(entry)
                dedupEntry = entry
            case "max_event_bytes": time.maxEventBytes = try eventBytes(entry, reader: reader)
            case "idle_advance": time.idleAdvance = try idleAdvance(entry, reader: reader)
            default: break  // entries(of:) admits only timeKeys
            }
        }
        if time.dedupTTLMs <= time.allowedLatenessMs, let culprit = dedupEntry ?? latenessEntry {
            let message =
                "dedup_ttl (\(formatDuration(time.dedupTTLMs))) must be greater than allowed_lateness "
                + "(\(formatDuration(time.allowedLatenessMs)))"
            throw reader.failure(.badValue, message, node: culprit.value, key: culprit.path)
        }
        return time
    }

    private static func eventBytes(_ entry: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Int {
        let bytes = try reader.size(entry)
        guard eventBytesRange.contains(bytes) else {
            let message = "must be between 1KiB and 64MiB, got \(formatSize(bytes))"
            throw reader.failure(.badValue, message, node: entry.value, key: entry.path)
        }
        return bytes
    }

    private static func idleAdvance(_ entry: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Bool {
        let text = try reader.scalarText(entry, expected: "wall_clock or none")
        guard text == "wall_clock" || text == "none" else {
            let message =
                "must be wall_clock (W follows the wall clock while every source is idle) or none, got \"\(text)\""
            throw reader.failure(.badValue, message, node: entry.value, key: entry.path)
        }
        return text == "wall_clock"
    }

    private static func parseEnrich(
        _ section: YAMLEntry,
        reader: YAMLNodeReader,
        pipelinePath: String?
    ) throws(PipelineError) -> String? {
        var catalog: String?
        for entry in try reader.entries(of: section.value, path: section.path, allowed: enrichKeys) {
            catalog = resolveCatalogPath(try reader.string(entry), pipelinePath: pipelinePath)
        }
        return catalog
    }

    /// Resolves a catalog path written in a pipeline file against the folder of that file.
    ///
    /// An absolute path, or any path when the pipeline has no path, is kept as written; otherwise the result is
    /// relative to the working directory exactly when the pipeline path is (`Pipelines/p.yaml` + `models.yaml`
    /// gives `Pipelines/models.yaml`).
    static func resolveCatalogPath(_ catalog: String, pipelinePath: String?) -> String {
        guard !catalog.hasPrefix("/"), let pipelinePath, let slash = pipelinePath.lastIndex(of: "/") else {
            return catalog
        }
        return String(pipelinePath[...slash]) + catalog
    }
}

extension PipelineConfig {
    /// Parameter keys each signal kind accepts in its mapping under `signals`.
    static func parameterKeys(of kind: SignalKind) -> [String] { kind.record.descriptor.parameters }

    /// Parses the `signals` section: a null value means all kinds with defaults (as if the key were absent),
    /// a mapping enables exactly the kinds it names.
    static func parseSignals(_ section: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Signals {
        var signals = Signals()
        guard !reader.isNull(section.value) else { return signals }
        signals.enabled = []
        let kinds = SignalKind.allCases.map(\.rawValue)
        for entry in try reader.entries(of: section.value, path: section.path, allowed: kinds) {
            guard let kind = SignalKind(rawValue: entry.key) else { continue }
            signals.enabled.insert(kind)
            let parameters = try reader.entries(of: entry.value, path: entry.path, allowed: parameterKeys(of: kind))
            for parameter in parameters {
                try apply(parameter, to: &signals, reader: reader)
            }
        }
        return signals
    }

    /// Sets one signal parameter; keys have already been checked against `parameterKeys(of:)`.
    private static func apply(
        _ entry: YAMLEntry,
        to signals: inout Signals,
        reader: YAMLNodeReader
    ) throws(PipelineError) {
        switch entry.key {
        case "window": signals.modelQualityWindowMs = try reader.positiveDuration(entry)
        case "join_ttl": signals.joinTTLMs = try reader.positiveDuration(entry)
        case "state_ttl": signals.pairStateTTLMs = try reader.positiveDuration(entry)
        case "gap": signals.sessionGapMs = try reader.positiveDuration(entry)
        case "min_feedback":
            let value = try reader.integer(entry)
            guard value >= 1 else {
                throw reader.failure(
                    .badValue, "must be a whole number >= 1, got \(value)", node: entry.value,
                    key: entry.path)
            }
            signals.alertMinFeedback = value
        case "max_down_rate":
            let value = try reader.number(entry)
            guard value > 0, value <= 1 else {
                throw reader.failure(
                    .badValue, "must be a number in (0, 1], got \(value)", node: entry.value,
                    key: entry.path)
            }
            signals.alertMaxDownRate = value
        default: break  // entries(of:) admits only parameterKeys(of:)
        }
    }
}
