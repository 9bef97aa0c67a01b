import FlywheelEngine
import Testing

@testable import FlywheelInspect

struct InspectOptionsTests {
    static func time(_ text: String) -> EventTime? { EventTime.parseRFC3339(text) }

    @Test func badTimeSaysWhatIsExpected() {
        #expect(throws: InspectError.self) { try InspectOptions.time("yesterday", flag: "--since") }
        do {
            _ = try InspectOptions.time("yesterday", flag: "--since")
        } catch {
            #expect(error.message.contains("expected an RFC 3339 time"))
            #expect(error.code == .invalidOption)
        }
    }

    @Test func unknownKindListsTheKinds() {
        do {
            _ = try InspectOptions.kind("pairs")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("preference_pair"))
        }
    }

    @Test func untilBeforeSinceIsRefused() {
        var options = InspectOptions(sourcePath: ".")
        options.since = Self.time("2026-11-18T12:00:00Z")
        options.until = Self.time("2026-11-18T11:00:00Z")
        #expect(throws: InspectError.self) { try options.validate() }
    }

    @Test func textIsCutToTheWidthWithWideCharacters() {
        #expect(DisplayWidth.cut("abcdef", to: 4) == "abc…")
        #expect(DisplayWidth.cut("line\nbreak", to: 20) == "line break")
        #expect(DisplayWidth.of("🍁a") == 3)
        #expect(DisplayWidth.of(DisplayWidth.cut("日本語のテキスト", to: 7)) <= 7)
    }

    @Test func csvQuotesFieldsThatNeedIt() {
        #expect(TextTable.csvField("a,b") == "\"a,b\"")
        #expect(TextTable.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(TextTable.csvField("plain") == "plain")
    }
}
