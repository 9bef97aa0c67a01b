import FlywheelEngine
import Testing

@Suite struct UTF8OrderTests {
    @Test func utf8PrecedesIsTheByteOrderOfTheGenericComparison() {
        let words = [
            "", "a", "ab", "abc", "b", "B", "é", "e\u{301}", "\u{E9}x", "z", "😀", "ü", "a\u{0}", "a\u{0}b",
            "evt-000123", "evt-000124", "evt-00012", String(repeating: "x", count: 40), "日本", "日本語",
        ]
        for a in words {
            for b in words {
                #expect(
                    utf8Precedes(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8),
                    "\(a.debugDescription) < \(b.debugDescription)")
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let a = String(
                decoding: (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                    UInt8.random(in: 0x61...0x64, using: &generator)
                }, as: UTF8.self)
            let b = String(
                decoding: (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                    UInt8.random(in: 0x61...0x64, using: &generator)
                }, as: UTF8.self)
            #expect(utf8Precedes(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8))
        }
    }
}
