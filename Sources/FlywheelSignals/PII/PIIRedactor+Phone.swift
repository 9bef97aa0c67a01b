extension PIIRedactor {
    /// Calls `body` with each match of
    /// `(\+\d{1,3}[ .-]?)?(\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}` inside `range`, treating the
    /// range's ends as the ends of the text, in the order and extent Python's `re.finditer` reports.
    ///
    /// A match is at most 20 bytes long and `phoneEnd` tries at most three ways per start, so the
    /// scan is linear.
    static func forEachPhone(
        in bytes: UnsafeBufferPointer<UInt8>,
        within range: Range<Int>,
        _ body: (Range<Int>) -> Void
    ) {
        var start = range.lowerBound
        while start < range.upperBound {
            if let end = phoneEnd(in: bytes, from: start, limit: range.upperBound) {
                body(start..<end)
                start = end
            } else {
                start += 1
            }
        }
    }

    /// The end of the first match a backtracking engine finds starting exactly at `start`, reading
    /// no byte at or after `limit`, or nil.
    ///
    /// The group `(\+\d{1,3}[ .-]?)?` is tried before skipping it, with three digits before two
    /// before one. Skipping it can only succeed when the text does not start with '+', and then
    /// the group cannot match, so the two cases are exclusive. The optional separator is taken
    /// whenever present: leaving it would put a separator where a digit or '(' is required.
    @inline(__always)
    static func phoneEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int) -> Int? {
        guard bytes[start] == CharacterClass.plus else {
            return phoneTailEnd(in: bytes, from: start, limit: limit)
        }
        let countryDigits = digitRun(in: bytes, from: start + 1, limit: limit, maximum: 3)
        var digits = countryDigits
        while digits >= 1 {
            let next = skipSeparator(in: bytes, at: start + 1 + digits, limit: limit)
            if let end = phoneTailEnd(in: bytes, from: next, limit: limit) {
                return end
            }
            digits -= 1
        }
        return nil
    }

    /// The end of the only match of `(\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}` at `start`, or nil.
    ///
    /// Deterministic: the alternatives start with different characters, the digit counts are
    /// fixed, and each optional separator is taken whenever present (see `phoneEnd`).
    @inline(__always)
    static func phoneTailEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int) -> Int? {
        var index = start
        guard index < limit else { return nil }
        if bytes[index] == CharacterClass.openParen {
            guard digitRun(in: bytes, from: index + 1, limit: limit, maximum: 3) == 3,
                index + 4 < limit, bytes[index + 4] == CharacterClass.closeParen
            else { return nil }
            index += 5
        } else {
            guard digitRun(in: bytes, from: index, limit: limit, maximum: 3) == 3 else { return nil }
            index += 3
        }
        index = skipSeparator(in: bytes, at: index, limit: limit)
        guard digitRun(in: bytes, from: index, limit: limit, maximum: 3) == 3 else { return nil }
        index = skipSeparator(in: bytes, at: index + 3, limit: limit)
        guard digitRun(in: bytes, from: index, limit: limit, maximum: 4) == 4 else { return nil }
        return index + 4
    }

    /// How many digits (up to `maximum`) follow `start` before `limit`.
    @inline(__always)
    static func digitRun(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int, maximum: Int) -> Int {
        var count = 0
        while count < maximum, start + count < limit, CharacterClass.isDigit(bytes[start + count]) {
            count += 1
        }
        return count
    }

    /// `index + 1` when a separator is at `index` (before `limit`), else `index`.
    @inline(__always)
    static func skipSeparator(in bytes: UnsafeBufferPointer<UInt8>, at index: Int, limit: Int) -> Int {
        index < limit && CharacterClass.isSeparator(bytes[index]) ? index + 1 : index
    }
}
