import Foundation
import Testing

@testable import FlywheelInspect

/// Golden outputs of `inspect` on a fixed replay folder (`Golden/input`, cut from the sample data's replay).
/// Set FLYWHEEL_UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change, then review the diff.
struct InspectGoldenTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let input = golden.appendingPathComponent("input").path

    static func load(_ configure: (inout InspectOptions) -> Void = { _ in }) throws -> (InspectData, InspectOptions) {
        var options = InspectOptions(sourcePath: input)
        configure(&options)
        return (try InspectLoader.load(options), options)
    }

    /// Compares `actual` (with the input path made relative) with the golden file `name`.
    static func check(_ actual: String, _ name: String) throws {
        let text = actual.replacingOccurrences(of: input, with: "Golden/input")
        let path = golden.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["FLYWHEEL_UPDATE_GOLDEN"] == "1" {
            try Data(text.utf8).write(to: path)
        }
        let expected = try String(contentsOf: path, encoding: .utf8)
        #expect(text == expected, "\(name) differs; rerun with FLYWHEEL_UPDATE_GOLDEN=1 and review the diff")
    }

    @Test func tableAtEightyColumns() throws {
        let (data, options) = try Self.load()
        let text = InspectTextRenderer(terminal: Terminal(width: 80, colors: false), options: options).render(data)
        try Self.check(text, "inspect.txt")
        for line in text.split(separator: "\n") {
            #expect(DisplayWidth.of(String(line)) <= 80, "too wide: \(line)")
        }
    }

    @Test func json() throws {
        let (data, options) = try Self.load()
        try Self.check(data.json(limit: options.listLimit), "inspect.json")
    }

    @Test func csvOfTheQualityTable() throws {
        let (data, options) = try Self.load()
        try Self.check(data.csv(kind: nil, limit: options.listLimit), "quality.csv")
    }

    @Test func filteredTable() throws {
        let (data, options) = try Self.load {
            $0.models = ["orion-preview"]
            $0.since = InspectOptionsTests.time("2026-11-18T11:08:00Z")
            $0.kinds = [.modelQuality, .qualityAlert]
        }
        let text = InspectTextRenderer(terminal: Terminal(width: 80, colors: false), options: options).render(data)
        try Self.check(text, "inspect-filtered.txt")
    }

    @Test func compareReadOut() throws {
        let (data, _) = try Self.load { $0.models = ["atlas-1-large"] }
        let comparison = try VariantComparison.make(data, a: "control", b: "treatment")
        try Self.check(comparison.text(Terminal(width: 80, colors: false)), "compare.txt")
        try Self.check(comparison.csv(), "compare.csv")
    }

    @Test func coloursOnlyWhenAsked() throws {
        let (data, options) = try Self.load()
        let plain = InspectTextRenderer(terminal: Terminal(width: 80, colors: false), options: options).render(data)
        let coloured = InspectTextRenderer(terminal: Terminal(width: 80, colors: true), options: options).render(data)
        #expect(!plain.contains("\u{1B}["))
        #expect(coloured.contains("\u{1B}["))
        #expect(!Terminal.standardOutput(environment: ["NO_COLOR": "1"]).colors)
    }
}
