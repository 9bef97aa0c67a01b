import Testing

@testable import FlywheelSignals

struct SessionCountsTests {
    /// Counts are 32 bits until one passes them: it goes on counting exactly, and the others are untouched.
    @Test func aCountPastThirtyTwoBitsKeepsCountingExactly() {
        var counts = SessionCounts()
        for counter in SessionCounts.Counter.allCases { #expect(counts[counter] == 0) }
        counts.add(1, to: .prompts)
        counts.add(3, to: .piiFound)
        #expect(counts[.prompts] == 1 && counts[.piiFound] == 3)
        counts[.responses] = Int64(UInt32.max) - 1
        counts.add(1, to: .responses)
        #expect(counts[.responses] == Int64(UInt32.max))
        counts.add(1, to: .responses)
        #expect(counts[.responses] == Int64(UInt32.max) + 1)
        counts.add(Int64(UInt32.max) * 3, to: .responses)
        #expect(counts[.responses] == Int64(UInt32.max) * 4 + 1)
        counts.add(5, to: .copies)
        #expect(counts[.copies] == 5 && counts[.prompts] == 1 && counts[.piiFound] == 3)
        // Set from a checkpoint: large and negative values (a damaged one) read back as written.
        counts[.errors] = 1 << 40
        counts[.feedbackDown] = -7
        #expect(counts[.errors] == 1 << 40 && counts[.feedbackDown] == -7)
        counts.add(2, to: .feedbackDown)
        #expect(counts[.feedbackDown] == -5)
        counts[.errors] = 2
        #expect(counts[.errors] == 2)
        // Merged counts add up, spilled or not.
        var other = SessionCounts()
        other[.responses] = 1 << 33
        other.add(4, to: .prompts)
        other.add(other)
        #expect(other[.responses] == 1 << 34 && other[.prompts] == 8)
        other.add(counts)
        #expect(other[.responses] == (1 << 34) + Int64(UInt32.max) * 4 + 1 && other[.prompts] == 9)
        #expect(other[.feedbackDown] == -5 && other[.errors] == 2 && other[.copies] == 5)
    }
}
