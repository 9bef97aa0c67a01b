import Testing

@testable import FlywheelSignals

struct DurationParsingTests {
    @Test(
        arguments: [
            ("0", 0), ("0s", 0), ("0ms", 0), ("0h", 0), ("1ms", 1), ("250ms", 250), ("5s", 5_000), ("90s", 90_000),
            ("30m", 1_800_000), ("1h", 3_600_000), ("2d", 172_800_000), ("007s", 7_000),
            ("9223372036854775807ms", Int64.max),
        ] as [(String, Int64)])
    func validDurationParsesToMilliseconds(text: String, millis: Int64) {
        #expect(parseDuration(text) == millis)
    }

    @Test(arguments: [
        "", "5", "00", "s", "ms", "-5s", "+5s", "-0s", "1.5s", ".5s", "5 s", " 5s", "5s ", "5S", "5Ms", "5sec", "5y",
        "5us", "1h30m", "5ms5", "0x10s", "1e3ms", "1_000ms", "\u{0663}s", "５s", "9223372036854775808ms",
        "106751991167301d", "99999999999999999999s",
    ])
    func invalidDurationIsRejected(text: String) {
        #expect(parseDuration(text) == nil)
    }

    @Test(
        arguments: [
            ("0", 0), ("0B", 0), ("1B", 1), ("1024B", 1_024), ("1KiB", 1_024), ("512KiB", 524_288),
            ("1MiB", 1_048_576), ("64MiB", 67_108_864), ("2GiB", 2_147_483_648),
        ] as [(String, Int)])
    func validSizeParsesToBytes(text: String, bytes: Int) {
        #expect(parseSize(text) == bytes)
    }

    @Test(arguments: [
        "", "1", "B", "KiB", "1KB", "1MB", "1GB", "1kib", "1mib", "1Kib", "1kB", "1.5MiB", "-1KiB", "1 MiB", "1MiB ",
        "1TiB", "1b", "1bytes", "9223372036854775807KiB", "99999999999999999999B",
    ])
    func invalidSizeIsRejected(text: String) {
        #expect(parseSize(text) == nil)
    }

    @Test(
        arguments: [
            (0, "0s"), (1, "1ms"), (250, "250ms"), (1_500, "1500ms"), (5_000, "5s"), (90_000, "90s"), (60_000, "1m"),
            (1_800_000, "30m"), (3_600_000, "1h"), (5_400_000, "90m"), (86_400_000, "1d"), (90_000_000, "25h"),
        ] as [(Int64, String)])
    func durationFormatsWithLargestExactUnit(millis: Int64, text: String) {
        #expect(formatDuration(millis) == text)
    }

    @Test(
        arguments: [
            (0, "0B"), (1, "1B"), (1_000, "1000B"), (1_024, "1KiB"), (1_536, "1536B"), (524_288, "512KiB"),
            (1_048_576, "1MiB"), (3_145_728, "3MiB"), (1_073_741_824, "1GiB"), (1_610_612_736, "1536MiB"),
        ] as [(Int, String)])
    func sizeFormatsWithLargestExactUnit(bytes: Int, text: String) {
        #expect(formatSize(bytes) == text)
    }

    @Test(
        arguments: [0, 1, 999, 1_000, 59_999, 60_000, 3_600_001, 86_400_000, 4_000_000_000_000, Int64.max] as [Int64])
    func formattedDurationParsesBack(millis: Int64) {
        #expect(parseDuration(formatDuration(millis)) == millis)
    }

    @Test(arguments: [0, 1, 1_023, 1_024, 65_536, 1_048_575, 1_048_576, 67_108_864, Int.max])
    func formattedSizeParsesBack(bytes: Int) {
        #expect(parseSize(formatSize(bytes)) == bytes)
    }
}
