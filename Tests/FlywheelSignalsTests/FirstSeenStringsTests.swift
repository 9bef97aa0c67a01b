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

    /// Copies share the strings after the first until one of them adds a string: the other is left as it was, at
    /// every stage (no box, a box, an indexed box).
    @Test func aCopyIsUnchangedByStringsAddedToTheOther() {
        var original = FirstSeenStrings(["a"])
        for stage in [1, 2, 12] {
            original = FirstSeenStrings((0..<stage).map { "s\($0)" })
            var copy = original
            let before = original.all
            #expect(copy.place(of: "new") == stage)
            #expect(original.all == before && original.count == stage)
            #expect(copy.all == before + ["new"])
            #expect(original.place(of: "other") == stage && copy.place(of: "other") == stage + 1)
            #expect(original.all == before + ["other"] && copy.all == before + ["new", "other"])
        }
    }
}
