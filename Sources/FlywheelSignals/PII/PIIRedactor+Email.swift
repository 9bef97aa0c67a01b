extension PIIRedactor {
    /// Calls `body` with each match of `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}` in the
    /// order and extent a leftmost, backtracking engine (Python's `re.finditer`) reports them.
    ///
    /// Every match contains exactly one '@', and its local part is the whole run of local
    /// characters before that '@' (clipped at the previous match's end), because '@' is not a
    /// local character. So the '@' characters are visited in order; a failing '@' fails for every
    /// start in its run, and the next run starts after it. Each byte is read a bounded number of
    /// times: backward scans stop at the previous '@', domain scans stop at the next one.
    static func forEachEmail(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        // Invariant: no match starts before `floor`; it is past the last '@' seen and past the end
        // of the last match.
        var floor = 0
        var index = 0
        while index < bytes.count {
            guard bytes[index] == CharacterClass.at else {
                index += 1
                continue
            }
            let start = localPartStart(in: bytes, before: index, floor: floor)
            if start < index, let end = domainEnd(in: bytes, after: index) {
                body(start..<end)
                floor = end
                index = end
            } else {
                floor = index + 1
                index += 1
            }
        }
    }

    /// The start of the longest run of local characters ending just before `at`, not before
    /// `floor`; equal to `at` when the run is empty.
    @inline(__always)
    static func localPartStart(in bytes: UnsafeBufferPointer<UInt8>, before at: Int, floor: Int) -> Int {
        var start = at
        while start > floor, CharacterClass.isLocal(bytes[start - 1]) {
            start -= 1
        }
        return start
    }

    /// The end of the backtracking match of `[A-Za-z0-9.-]+\.[A-Za-z]{2,}` right after the '@' at
    /// `at`, or nil when there is none.
    ///
    /// The greedy `[A-Za-z0-9.-]+` first takes the whole domain run and gives characters back one
    /// at a time, so the engine settles on the last '.' of the run that has at least one domain
    /// character before it and two letters after it; `[A-Za-z]{2,}` then takes the whole letter
    /// run, which cannot leave the domain run since letters are domain characters.
    static func domainEnd(in bytes: UnsafeBufferPointer<UInt8>, after at: Int) -> Int? {
        var runEnd = at + 1
        while runEnd < bytes.count, CharacterClass.isDomain(bytes[runEnd]) {
            runEnd += 1
        }
        var dot = runEnd - 3
        while dot >= at + 2 {
            if bytes[dot] == CharacterClass.dot, CharacterClass.isLetter(bytes[dot + 1]),
                CharacterClass.isLetter(bytes[dot + 2])
            {
                var end = dot + 3
                while end < runEnd, CharacterClass.isLetter(bytes[end]) {
                    end += 1
                }
                return end
            }
            dot -= 1
        }
        return nil
    }
}
