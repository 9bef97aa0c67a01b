import Testing

@testable import FlywheelSignals

struct FirstSeenStringsTests {
    /// Places are first-seen order and never change, before and past the index; strings compare by code
    /// points, so canonically equivalent spellings get places of their own.
    @Test func placesAreFirstSeenOrderBeforeAndPastTheIndex() {
        var strings = FirstSeenStrings()
        #expect(strings.count == 0 && strings.only == nil && strings.all.isEmpty)
        #expect(strings.place(of: "caf\u{E9}") == 0)
        #expect(strings.only == "caf\u{E9}")
        #expect(strings.place(of: "cafe\u{301}") == 1)
        #expect(strings.only == nil)
        let more = (0..<30).map { "m\($0)" }
        for (offset, string) in more.enumerated() { #expect(strings.place(of: string) == offset + 2) }
        for (offset, string) in more.enumerated().reversed() { #expect(strings.place(of: string) == offset + 2) }
        #expect(strings.place(of: "") == 32)
        #expect(strings.place(of: "caf\u{E9}") == 0 && strings.place(of: "cafe\u{301}") == 1)
        #expect(strings.count == 33)
        #expect(strings.all == ["caf\u{E9}", "cafe\u{301}"] + more + [""])
        #expect((0..<strings.count).map { strings[$0] } == strings.all)
        #expect(FirstSeenStrings(strings.all + ["m3", "new"]).all == strings.all + ["new"])
    }
}
