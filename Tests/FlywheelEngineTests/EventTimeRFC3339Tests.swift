import FlywheelTesting
import Testing

@testable import FlywheelEngine

struct EventTimeRFC3339Tests {
    static let tenOClock: Int64 = 1_795_687_200_000  // 2026-11-26T10:00:00Z

    @Test(
        arguments: [
            ("2026-11-26T10:00:00Z", tenOClock),
            ("2026-11-26T10:00:00z", tenOClock),
            ("2026-11-26t10:00:00Z", tenOClock),
            ("2026-11-26t10:00:00z", tenOClock),
            ("2026-11-26T10:00:00+00:00", tenOClock),
            ("2026-11-26T10:00:00-00:00", tenOClock),
            ("2026-11-26T10:00:00+05:30", tenOClock - 330 * 60_000),
            ("2026-11-26T10:00:00-08:00", tenOClock + 8 * 3_600_000),
            ("2026-11-26T10:00:00+23:59", tenOClock - 1439 * 60_000),
            ("2026-11-26T10:00:00-23:59", tenOClock + 1439 * 60_000),
            ("2026-11-26T10:00:00.123+05:30", tenOClock - 330 * 60_000 + 123),
            ("2026-11-27T00:00:00+14:00", tenOClock),
        ] as [(String, Int64)])
    func zoneIsConvertedToUTC(text: String, millis: Int64) {
        #expect(EventTime.parseRFC3339(text)?.millis == millis)
    }

    @Test(
        arguments: [
            (".0", 0),
            (".1", 100),
            (".12", 120),
            (".123", 123),
            (".9999", 999),
            (".0009", 0),
            (".000999", 0),
            (".123456789", 123),
            (".1234567891234", 123),
            (".999999999999999999999", 999),
        ] as [(String, Int64)])
    func fractionIsTruncatedToMilliseconds(fraction: String, millis: Int64) {
        #expect(EventTime.parseRFC3339("2026-11-26T10:00:00\(fraction)Z")?.millis == Self.tenOClock + millis)
    }

    @Test(
        arguments: [
            ("1969-12-31T23:59:59.9999Z", -1),
            ("1969-12-31T23:59:59.0001Z", -1000),
            ("1969-12-31T23:59:59.999999999Z", -1),
            ("1960-06-15T08:09:10.011Z", -301_247_449_989),
        ] as [(String, Int64)])
    func fractionBeforeTheEpochIsTruncatedTowardThePast(text: String, millis: Int64) {
        #expect(EventTime.parseRFC3339(text)?.millis == millis)
    }

    @Test(
        arguments: [
            ("2024-02-29T00:00:00Z", 1_709_164_800_000),
            ("2000-02-29T12:00:00Z", 951_825_600_000),
            ("0000-02-29T00:00:00Z", -62_167_219_200_000 + 59 * 86_400_000),
            ("1900-03-01T00:00:00Z", -2_203_891_200_000),
            ("2026-04-30T00:00:00Z", 1_777_507_200_000),
            ("2026-12-31T23:59:59Z", 1_798_761_599_000),
        ] as [(String, Int64)])
    func validCalendarDateParses(text: String, millis: Int64) {
        #expect(EventTime.parseRFC3339(text)?.millis == millis)
    }

    @Test(
        arguments: [
            ("0000-01-01T00:00:00Z", -62_167_219_200_000),
            ("0000-01-01T00:00:00-23:59", -62_167_219_200_000 + 1439 * 60_000),
            ("0000-01-01T01:00:00+01:00", -62_167_219_200_000),
            ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
            ("9999-12-31T23:59:59.999+23:59", 253_402_300_799_999 - 1439 * 60_000),
            ("9999-12-31T22:59:59.999-01:00", 253_402_300_799_999),
        ] as [(String, Int64)])
    func extremeYearsParse(text: String, millis: Int64) {
        #expect(EventTime.parseRFC3339(text)?.millis == millis)
    }

    /// CONTRACT 1 (v1.1): the instant, in UTC, must lie in years 0000-9999.
    @Test(arguments: [
        "0000-01-01T00:00:00+01:00",
        "0000-01-01T00:00:00+23:59",
        "0000-01-01T00:59:59.999+01:00",
        "9999-12-31T23:59:59.999-23:59",
        "9999-12-31T23:00:00-01:00",
        "9999-12-31T23:59:59.999-00:01",
    ])
    func instantOutsideYearsZeroToNineThousandNineHundredNinetyNineIsInvalid(text: String) {
        #expect(EventTime.parseRFC3339(text) == nil)
    }

    @Test(arguments: [
        "2023-02-29T00:00:00Z",  // not a leap year
        "1900-02-29T00:00:00Z",  // divisible by 100, not by 400
        "2024-02-30T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-32T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-01-00T00:00:00Z",
        "2026-11-26T24:00:00Z",
        "2026-11-26T10:60:00Z",
        "2026-11-26T10:00:60Z",  // no leap seconds
        "2026-11-26T10:00:00+24:00",
        "2026-11-26T10:00:00-24:00",
        "2026-11-26T10:00:00+05:60",
        "2026-11-26T10:00:00",  // zone missing
        "2026-11-26T10:00:00.123",
        "2026-11-26T10:00:00.Z",  // empty fraction
        "2026-11-26T10:00:00.",
        "2026-11-26T10:00:00,123Z",
        "2026-11-26T10:00:00Zx",
        "2026-11-26T10:00:00Z ",
        "2026-11-26T10:00:00ZZ",
        "2026-11-26T10:00:00+05:30x",
        " 2026-11-26T10:00:00Z",
        "2026-11-26 10:00:00Z",
        "2026-11-26X10:00:00Z",
        "2026-11-26T10:00Z",
        "2026-11-26T10:00:00+0530",
        "2026-11-26T10:00:00+05",
        "2026-11-26T10:00:00+5:30",
        "26-11-26T10:00:00Z",
        "2026-1-26T10:00:00Z",
        "2026/11/26T10:00:00Z",
        "+2026-11-26T10:00:00Z",
        "2026-11-26T1a:00:00Z",
        "2026-11-26",
        "",
    ])
    func malformedTimestampGivesNil(text: String) {
        #expect(EventTime.parseRFC3339(text) == nil)
    }

    @Test func parsingStopsAtTheEndOfTheGivenBytes() {
        let line = Array("2026-11-26T10:00:00Z,\"next\"".utf8)
        let parsed = line.withUnsafeBytes { EventTime.parseRFC3339(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
        let whole = line.withUnsafeBytes { EventTime.parseRFC3339($0) }
        #expect(parsed?.millis == Self.tenOClock)
        #expect(whole == nil)
    }

    @Test(
        arguments: [
            (0, "1970-01-01T00:00:00.000Z"),
            (1, "1970-01-01T00:00:00.001Z"),
            (tenOClock + 123, "2026-11-26T10:00:00.123Z"),
            (951_825_600_000, "2000-02-29T12:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (-999, "1969-12-31T23:59:59.001Z"),
            (-1000, "1969-12-31T23:59:59.000Z"),
            (-1001, "1969-12-31T23:59:58.999Z"),
            (-86_400_000, "1969-12-31T00:00:00.000Z"),
            (-301_247_449_989, "1960-06-15T08:09:10.011Z"),
            (-2_203_891_200_000, "1900-03-01T00:00:00.000Z"),
            (-62_167_219_200_000, "0000-01-01T00:00:00.000Z"),
            (-62_167_219_200_001, "-0001-12-31T23:59:59.999Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (253_402_300_800_000, "10000-01-01T00:00:00.000Z"),
        ] as [(Int64, String)])
    func formatsAsUTCWithMilliseconds(millis: Int64, text: String) {
        #expect(at(millis).rfc3339 == text)
        #expect(at(millis).description == text)
    }

    @Test func appendingKeepsWhatTheBufferHeld() {
        var bytes = Array("ts=".utf8)
        at(-1).appendRFC3339(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "ts=1969-12-31T23:59:59.999Z")
    }

    @Test func formattedTimeParsesBackToTheSameMillis() {
        var generator = SeededGenerator(seed: 3339)
        for _ in 0..<5000 {
            let millis = Int64.random(in: -62_167_219_200_000...253_402_300_799_999, using: &generator)
            let text = at(millis).rfc3339
            #expect(EventTime.parseRFC3339(text)?.millis == millis, "\(millis) formatted as \(text)")
        }
    }

    @Test func parsedTimeFormatsBackToTheSameText() {
        let texts = ["2024-02-29T23:59:59.999Z", "1969-07-20T20:17:40.000Z", "0000-02-29T00:00:00.000Z"]
        for text in texts {
            #expect(EventTime.parseRFC3339(text)?.rfc3339 == text)
        }
    }

    @Test func infinitiesFormatWithoutTrapping() async {
        // EventTime.min is a documented value (minus infinity) and `description` formats it.
        await #expect(processExitsWith: .success) {
            _ = EventTime.min.rfc3339
        }
        await #expect(processExitsWith: .success) {
            _ = EventTime.max.rfc3339
        }
    }
}
