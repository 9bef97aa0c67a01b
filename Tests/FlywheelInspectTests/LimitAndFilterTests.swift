import Testing

@testable import FlywheelInspect

/// `--limit` bounds every list and every sample section; `--model` and `--variant` values that no record names
/// are refused with the names that exist.
struct LimitAndFilterTests {
    static func render(_ configure: (inout InspectOptions) -> Void) throws(InspectError) -> String {
        var options = InspectOptions(sourcePath: InspectGoldenTests.input)
        configure(&options)
        return InspectTextRenderer(terminal: Terminal(), options: options).render(try InspectLoader.load(options))
    }

    @Test(arguments: [
        (nil, "Sample preference pairs (3 of 6)", "Sample SFT examples (2 of 4)"),
        (10, "Sample preference pairs (6 of 6)", "Sample SFT examples (4 of 4)"),
        (4, "Sample preference pairs (4 of 6)", "Sample SFT examples (4 of 4)"),
        (1, "Sample preference pairs (1 of 6)", "Sample SFT examples (1 of 4)"),
    ])
    func limitAppliesToEverySampleSection(limit: Int?, pairs: String, sft: String) throws {
        let text = try Self.render { $0.limit = limit }
        #expect(text.contains(pairs), "\(text)")
        #expect(text.contains(sft), "\(text)")
    }

    @Test func limitZeroHidesTheSamples() throws {
        let text = try Self.render { $0.limit = 0 }
        #expect(!text.contains("Sample preference pairs") && !text.contains("Sample SFT examples"))
    }

    @Test(arguments: ["-5", "many", "1.5", ""])
    func limitThatIsNotAPositiveNumberSaysSo(text: String) {
        do {
            _ = try InspectOptions.limit(text)
            Issue.record("expected an error for --limit \(text)")
        } catch {
            #expect(error.code == .invalidOption)
            #expect(error.message.contains("must be a positive number"), "\(error.message)")
        }
    }

    @Test func unknownModelListsTheModelsPresent() {
        do {
            _ = try Self.render { $0.models = ["atlas-1-large", "typo"] }
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidOption)
            #expect(
                error.message.hasPrefix("--model typo: no model_quality, quality_alert, preference_pair record"),
                "\(error.message)")
            #expect(error.message.hasSuffix("models present: atlas-1-large, atlas-1-mini, nova-2, orion-preview"))
        }
    }

    @Test func unknownVariantListsTheVariantsPresent() {
        do {
            _ = try Self.render { $0.variants = ["contrl"] }
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasSuffix("variants present: control, default, treatment"), "\(error.message)")
        }
    }

    @Test func modelOutsideTheTimeRangeIsNotATypo() throws {
        let text = try Self.render {
            $0.models = ["orion-preview"]
            $0.until = InspectOptionsTests.time("2026-11-18T00:00:00Z")
            $0.since = InspectOptionsTests.time("2026-11-17T00:00:00Z")
        }
        #expect(text.contains("Records per kind") && !text.contains("Quality per model and variant"))
    }
}
