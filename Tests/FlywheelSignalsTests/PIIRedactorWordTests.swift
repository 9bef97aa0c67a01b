import FlywheelEngine
import Testing

@testable import FlywheelSignals

/// The eight-bytes-at-a-time tests that let `PIIRedactor.count` skip texts without a match.
@Suite("PIIRedactor.Word")
struct PIIRedactorWordTests {
    @Test func wordTestsAgreeWithByteTestsOnEveryByteValue() {
        for value in 0...255 {
            for offset in 0..<8 {
                // The byte under test among neighbours that are neither digits nor '@'.
                let word = (0x7E7E_7E7E_7E7E_7E7E & ~(UInt64(0xFF) << (8 * offset))) | UInt64(value) << (8 * offset)
                #expect(PIIRedactor.Word.hasAt(word) == (value == 0x40))
                #expect(PIIRedactor.Word.digitCount(word) == ((0x30...0x39).contains(value) ? 1 : 0))
            }
        }
    }

    @Test func wordTestsAgreeWithByteTestsOnSeededWords() {
        var generator = SplitMix64(seed: 3)
        let alphabet: [UInt8] = [
            0x00, 0x2F, 0x30, 0x35, 0x39, 0x3A, 0x3F, 0x40, 0x41, 0x7F, 0x80, 0xB0, 0xB9, 0xC0, 0xFF,
        ]
        for _ in 0..<20_000 {
            let bytes = (0..<8).map { _ in alphabet.randomElement(using: &generator)! }
            let word = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
            #expect(PIIRedactor.Word.hasAt(word) == bytes.contains(0x40))
            #expect(PIIRedactor.Word.digitCount(word) == bytes.filter { (0x30...0x39).contains($0) }.count)
        }
    }

    @Test(arguments: [
        ("no digits, no at", false), ("nine 123456789 digits", false), ("ten 1234567890", true),
        ("spread 1 2 3 4 5 6 7 8 9 0", true), ("x@y", true), ("@", true), ("", false), ("012345678", false),
        ("\u{FF10}\u{FF11}\u{FF12}\u{FF13}\u{FF14}\u{FF15}\u{FF16}\u{FF17}\u{FF18}\u{FF19}", false),
    ])
    func onlyTextsWithAnAtOrTenDigitsMayHoldAMatch(text: String, expected: Bool) {
        var text = text
        #expect(text.withUTF8 { PIIRedactor.mayHoldMatch($0) } == expected)
    }
}
