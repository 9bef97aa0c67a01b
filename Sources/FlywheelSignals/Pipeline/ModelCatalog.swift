import Yams

/// What the model catalog says about one model (contract 3.5).
public struct ModelInfo: Sendable, Equatable {
    /// Model family, e.g. `atlas`; reported as `model_family`.
    public var family: String
    /// Price in USD per 1,000 input tokens.
    public var inputPer1k: Double
    /// Price in USD per 1,000 output tokens.
    public var outputPer1k: Double

    /// Creates the facts of one model; prices are USD per 1,000 tokens.
    public init(family: String, inputPer1k: Double, outputPer1k: Double) {
        self.family = family
        self.inputPer1k = inputPer1k
        self.outputPer1k = outputPer1k
    }

    /// The cost of a response: `tokensIn / 1000 * inputPer1k + tokensOut / 1000 * outputPer1k`.
    public func costUSD(tokensIn: Int, tokensOut: Int) -> Double {
        Double(tokensIn) / 1000 * inputPer1k + Double(tokensOut) / 1000 * outputPer1k
    }
}

/// A model catalog: a YAML file `models: { NAME: { family: STRING, input_per_1k: NUMBER, output_per_1k: NUMBER } }`.
///
/// All three facts are required for every model; prices are finite numbers >= 0 written unquoted. `models`
/// itself is required (`models: {}` is an empty catalog). Unknown keys at any level are errors.
public struct ModelCatalog: Sendable, Equatable {
    /// Facts per model name.
    public var models: [String: ModelInfo]

    /// Keys of one model's mapping.
    static let modelKeys = ["family", "input_per_1k", "output_per_1k"]

    /// Creates a catalog from facts per model name.
    public init(models: [String: ModelInfo]) {
        self.models = models
    }

    /// Reads and parses the catalog file at `path`.
    ///
    /// Every problem is a `.catalog` error whose `file` is `path` and, where it applies, whose `line` and `key`
    /// point at the bad entry: a missing or unreadable file, invalid YAML, an unknown key, a missing or empty
    /// family, a missing, non-number or negative price.
    public static func load(path: String) throws(PipelineError) -> ModelCatalog {
        let text = try YAMLNodeReader.readText(path: path, code: .catalog, what: "model catalog")
        return try parse(yaml: text, path: path)
    }

    /// Parses catalog YAML; `path` is named in errors. Errors are as for `load(path:)`.
    public static func parse(yaml: String, path: String) throws(PipelineError) -> ModelCatalog {
        do {
            return try parseDocument(yaml, reader: YAMLNodeReader(file: path))
        } catch {
            var catalogError = error
            catalogError.code = .catalog
            throw catalogError
        }
    }

    /// The facts of `model`, or `nil` for a model the catalog does not name.
    public func info(for model: String) -> ModelInfo? {
        models[model]
    }

    private static func parseDocument(_ yaml: String, reader: YAMLNodeReader) throws(PipelineError) -> ModelCatalog {
        let root = try reader.compose(yaml)
        guard let root, root.mapping != nil else {
            let message = "a model catalog must be a mapping with the key models: { NAME: { family: ... } }"
            throw reader.failure(.catalog, message, node: root, key: nil)
        }
        let entries = try reader.entries(of: root, path: "", allowed: ["models"])
        guard let section = entries.first else {
            throw reader.failure(.catalog, "missing key models", node: root, key: nil)
        }
        var models: [String: ModelInfo] = [:]
        for entry in try reader.entries(of: section.value, path: section.path, allowed: nil) {
            models[entry.key] = try parseModel(entry, reader: reader)
        }
        return ModelCatalog(models: models)
    }

    private static func parseModel(_ model: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> ModelInfo {
        if reader.isNull(model.value) || model.key.isEmpty {
            let message = "a model needs { family: STRING, input_per_1k: NUMBER, output_per_1k: NUMBER }"
            throw reader.failure(.catalog, message, node: model.keyNode, key: model.path)
        }
        var family: String?
        var prices: [String: Double] = [:]
        for entry in try reader.entries(of: model.value, path: model.path, allowed: modelKeys) {
            if entry.key == "family" {
                family = try reader.string(entry)
            } else {
                prices[entry.key] = try price(entry, reader: reader)
            }
        }
        guard let family, let input = prices["input_per_1k"], let output = prices["output_per_1k"] else {
            let missing = modelKeys.filter { $0 == "family" ? family == nil : prices[$0] == nil }
            let message = "missing " + missing.joined(separator: ", ")
            throw reader.failure(.catalog, message, node: model.keyNode, key: model.path)
        }
        return ModelInfo(family: family, inputPer1k: input, outputPer1k: output)
    }

    private static func price(_ entry: YAMLEntry, reader: YAMLNodeReader) throws(PipelineError) -> Double {
        let value = try reader.number(entry)
        guard value >= 0 else {
            throw reader.failure(.catalog, "price must be >= 0, got \(value)", node: entry.value, key: entry.path)
        }
        return value
    }
}
