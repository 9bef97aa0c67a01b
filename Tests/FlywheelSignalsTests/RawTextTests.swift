import FlywheelSignals
import Testing

/// `raw` of dead letters (CONTRACT 4): invalid UTF-8 is replaced by U+FFFD first, then the text is cut
/// to its longest prefix of at most 1024 bytes that ends on a character boundary.
struct RawTextTests {
    static func cut(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { RawText.cut($0) } }

    @Test func shortValidLineIsKeptWhole() {
        #expect(Self.cut(Array("{\"a\":\"é\"}".utf8)) == "{\"a\":\"é\"}")
    }

    @Test func twoByteCharacterAcrossTheLimitIsLeftOut() {
        let line = Array(repeating: UInt8(ascii: "x"), count: 1023) + Array("é".utf8) + [UInt8(ascii: "y")]
        let raw = Self.cut(line)
        #expect(raw.utf8.count == 1023)
        #expect(raw == String(repeating: "x", count: 1023))
    }

    @Test func invalidBytesAreReplacedBeforeTheCut() {
        // 500 invalid bytes become 500 U+FFFD (1500 bytes): the cut keeps 341 of them (1023 bytes).
        let raw = Self.cut(Array(repeating: 0xFF, count: 500))
        #expect(raw.utf8.count == 1023)
        #expect(raw == String(repeating: "\u{FFFD}", count: 341))
    }

    @Test func shortLineWithInvalidBytesStillFitsTheLimit() {
        let line = Array(repeating: UInt8(ascii: "a"), count: 1000) + [0xC3]
        let raw = Self.cut(line)
        #expect(raw.utf8.count == 1003)
        #expect(raw.hasSuffix("\u{FFFD}"))
    }

    @Test func longLineEndsOnACharacterBoundary() {
        for filler in 1018...1024 {
            let line = Array(repeating: UInt8(ascii: "x"), count: filler) + Array("😀😀".utf8)
            let raw = Self.cut(line)
            #expect(raw.utf8.count <= 1024)
            #expect(raw.utf8.count >= 1021)
            #expect(!raw.contains("\u{FFFD}"))
        }
    }
}
