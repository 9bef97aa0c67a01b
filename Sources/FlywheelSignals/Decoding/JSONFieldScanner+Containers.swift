extension JSONFieldScanner.Cursor {
    private typealias ASCII = JSONFieldScanner.ASCII

    /// Validates the value under the cursor without keeping it and moves past it.
    ///
    /// `enclosingDepth` counts the containers already open around the value. Nesting is tracked in a fixed
    /// bit stack instead of recursion, so hostile input cannot exhaust the call stack.
    mutating func skipValue(enclosingDepth: Int) -> Bool {
        var depth = enclosingDepth
        // Bit (d - 1) is set when the container open at depth d is an object; depths <= enclosingDepth unused.
        var kinds = InlineArray<8, UInt64>(repeating: 0)
        var inObject = false
        while true {
            skipWhitespace()
            let byte = peek()
            switch byte {
            case ASCII.quote:
                guard scanString() != nil else { return false }
            case ASCII.minus, ASCII.zero...ASCII.nine:
                guard skipNumber() else { return false }
            case UInt8(ascii: "t"):
                guard consumeTrue() else { return false }
            case UInt8(ascii: "f"):
                guard consumeFalse() else { return false }
            case UInt8(ascii: "n"):
                guard consumeNull() else { return false }
            case ASCII.openBrace, ASCII.openBracket:
                depth &+= 1
                guard depth <= JSONFieldScanner.maximumDepth else { return false }
                inObject = byte == ASCII.openBrace
                let bit: UInt64 = 1 << UInt64((depth &- 1) & 63)
                if inObject {
                    kinds[(depth &- 1) >> 6] |= bit
                } else {
                    kinds[(depth &- 1) >> 6] &= ~bit
                }
                advance()
                skipWhitespace()
                if peek() == (inObject ? ASCII.closeBrace : ASCII.closeBracket) {
                    advance()
                    depth &-= 1
                    inObject = depth > enclosingDepth && isObject(depth, in: kinds)
                } else {
                    guard !inObject || skipMemberName() else { return false }
                    continue
                }
            default:
                return false
            }
            // A value just ended: close finished containers, then expect the next element or member.
            while true {
                if depth == enclosingDepth { return true }
                skipWhitespace()
                let next = peek()
                if next == ASCII.comma {
                    advance()
                    guard !inObject || skipMemberName() else { return false }
                    break
                }
                guard next == (inObject ? ASCII.closeBrace : ASCII.closeBracket) else { return false }
                advance()
                depth &-= 1
                inObject = depth > enclosingDepth && isObject(depth, in: kinds)
            }
        }
    }

    @inline(__always)
    private func isObject(_ depth: Int, in kinds: InlineArray<8, UInt64>) -> Bool {
        kinds[(depth &- 1) >> 6] & (1 << UInt64((depth &- 1) & 63)) != 0
    }

    /// Consumes whitespace, a member name and its colon.
    private mutating func skipMemberName() -> Bool {
        skipWhitespace()
        guard peek() == ASCII.quote, scanString() != nil else { return false }
        skipWhitespace()
        guard peek() == ASCII.colon else { return false }
        advance()
        return true
    }
}
