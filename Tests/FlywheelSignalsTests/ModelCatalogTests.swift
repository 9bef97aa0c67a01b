import Foundation
import Testing

@testable import FlywheelSignals

/// One bad catalog and where its error must point.
struct BadCatalog: Sendable, CustomTestStringConvertible {
    let lines: [String]
    let line: Int?
    let key: String?
    let says: String

    init(_ lines: [String], line: Int?, key: String?, says: String) {
        self.lines = lines
        self.line = line
        self.key = key
        self.says = says
    }

    var testDescription: String { says + ": " + lines.joined(separator: " / ") }
}

struct ModelCatalogTests {
    static let example = [
        "models:",
        "  atlas-1-large: { family: atlas, input_per_1k: 0.005, output_per_1k: 0.015 }",
        "  atlas-1-mini: { family: atlas, input_per_1k: 0.00015, output_per_1k: 0.0006 }",
        "  free-model:",
        "    family: nova",
        "    input_per_1k: 0",
        "    output_per_1k: 1",
    ]

    @Test func loadsTheExampleCatalog() throws {
        try withPipelineTempFolder { folder in
            let path = try writePipelineTestFile(Self.example, named: "models.yaml", in: folder)
            let catalog = try ModelCatalog.load(path: path)
            #expect(catalog.models.count == 3)
            #expect(
                catalog.info(for: "atlas-1-large") == ModelInfo(family: "atlas", inputPer1k: 0.005, outputPer1k: 0.015))
            #expect(catalog.info(for: "atlas-1-mini")?.outputPer1k == 0.0006)
            #expect(catalog.info(for: "free-model") == ModelInfo(family: "nova", inputPer1k: 0, outputPer1k: 1))
            #expect(catalog.info(for: "unknown-model") == nil)
        }
    }

    @Test func emptyModelsMappingIsAnEmptyCatalog() throws {
        #expect(try ModelCatalog.parse(yaml: "models: {}\n", path: "m.yaml") == ModelCatalog(models: [:]))
        #expect(try ModelCatalog.parse(yaml: "models:\n", path: "m.yaml").models.isEmpty)
    }

    @Test func costIsPricePerThousandTokens() {
        let info = ModelInfo(family: "atlas", inputPer1k: 0.005, outputPer1k: 0.015)
        #expect(abs(info.costUSD(tokensIn: 2_000, tokensOut: 500) - 0.0175) < 1e-12)
        #expect(info.costUSD(tokensIn: 0, tokensOut: 0) == 0)
    }

    static let badCatalogs: [BadCatalog] = [
        .init(
            ["models:", "  m: { input_per_1k: 1, output_per_1k: 2 }"], line: 2, key: "models.m", says: "missing family"),
        .init(
            ["models:", "  m: { family: f }"], line: 2, key: "models.m", says: "missing input_per_1k, output_per_1k"),
        .init(["models:", "  m:"], line: 2, key: "models.m", says: "a model needs { family"),
        .init(
            ["models:", "  m:", "    family: x", "    input_per_1k: -0.5", "    output_per_1k: 1"], line: 4,
            key: "models.m.input_per_1k", says: "price must be >= 0, got -0.5"),
        .init(
            ["models:", "  m:", "    family: x", "    input_per_1k: 1", "    output_per_1k: cheap"], line: 5,
            key: "models.m.output_per_1k", says: "expected a number, got \"cheap\""),
        .init(
            ["models:", "  m: { family: x, input_per_1k: \"0.5\", output_per_1k: 1 }"], line: 2,
            key: "models.m.input_per_1k", says: "expected a number, got the quoted text \"0.5\""),
        .init(
            ["models:", "  m: { family: x, input_per_1k: .inf, output_per_1k: 1 }"], line: 2,
            key: "models.m.input_per_1k", says: "expected a number"),
        .init(
            ["models:", "  m: { family: '', input_per_1k: 1, output_per_1k: 1 }"], line: 2, key: "models.m.family",
            says: "must not be empty"),
        .init(
            ["models:", "  m: { family: [a], input_per_1k: 1, output_per_1k: 1 }"], line: 2, key: "models.m.family",
            says: "expected a text, got a list"),
        .init(
            ["models:", "  m: { family: x, input_per_1k: 1, output_per_1k: 2, context: 8k }"], line: 2,
            key: "models.m.context", says: "unknown key \"context\"; valid keys here: family, input_per_1k"),
        .init(
            ["models: {}", "prices: {}"], line: 2, key: "prices",
            says: "unknown key \"prices\"; valid keys here: models"),
        .init(["models: [a, b]"], line: 1, key: "models", says: "expected a mapping, got a list"),
        .init(["models:", "  m: 5"], line: 2, key: "models.m", says: "expected a mapping, got \"5\""),
        .init(["# no models here", ""], line: nil, key: nil, says: "must be a mapping with the key models"),
        .init(["{}"], line: 1, key: nil, says: "missing key models"),
        .init(["models:", "  m: { family: x", "  n: {}"], line: 3, key: nil, says: "invalid YAML"),
        .init(["models:", "  m: {}", "  m: {}"], line: 2, key: nil, says: "duplicate key \"m\""),
    ]

    @Test(arguments: badCatalogs)
    func badCatalogNamesFileLineAndProblem(bad: BadCatalog) throws {
        try withPipelineTempFolder { folder in
            let path = try writePipelineTestFile(bad.lines, named: "models.yaml", in: folder)
            let error = #expect(throws: PipelineError.self) { try ModelCatalog.load(path: path) }
            #expect(error?.code == .catalog)
            #expect(error?.file == path)
            #expect(error?.line == bad.line)
            #expect(error?.key == bad.key)
            #expect(error?.message.contains(bad.says) == true, "\(String(describing: error))")
            let location = bad.line.map { "\(path):\($0): " } ?? "\(path): "
            #expect(error?.description.hasPrefix(location) == true)
        }
    }

    @Test func missingCatalogFileIsACatalogError() throws {
        try withPipelineTempFolder { folder in
            let path = folder.appendingPathComponent("absent.yaml").path
            let error = #expect(throws: PipelineError.self) { try ModelCatalog.load(path: path) }
            #expect(
                error == PipelineError(code: .catalog, message: "model catalog not found (no such file)", file: path))
            #expect(error?.description == "\(path): model catalog not found (no such file)")
        }
    }
}
