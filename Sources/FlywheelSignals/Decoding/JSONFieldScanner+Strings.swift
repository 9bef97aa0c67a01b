extension JSONFieldScanner.Cursor {
    private typealias ASCII = JSONFieldScanner.ASCII

    /// The raw bytes of a validated string between its quotes.
    struct StringSpan {
        let start: Int
        let end: Int
        let hasEscapes: Bool
    }

    /// Validates the string whose opening quote is under the cursor and moves past its closing quote.
    ///
    /// Rejects raw control characters, unknown escapes, lone surrogate escapes and ill-formed UTF-8.
    /// Inlined for the common case, plain ASCII up to the closing quote; the rest is out of line.
    @inline(__always)
    mutating func scanString() -> StringSpan? {
        let start = index &+ 1
        let position = skipPlainBytes(from: start)
        if position < end && bytes[position] == ASCII.quote {
            index = position &+ 1
            return StringSpan(start: start, end: position, hasEscapes: false)
        }
        return scanEscapedOrNonASCIIString(from: start, at: position)
    }

    /// Continues `scanString` at `position`, the first byte of the string from `start` that is not plain ASCII.
    @inline(never)
    private mutating func scanEscapedOrNonASCIIString(from start: Int, at position: Int) -> StringSpan? {
        var position = position
        var hasEscapes = false
        while true {
            guard position < end else { return nil }
            let byte = bytes[position]
            if byte == ASCII.quote {
                index = position &+ 1
                return StringSpan(start: start, end: position, hasEscapes: hasEscapes)
            } else if byte == ASCII.backslash {
                guard let escape = escape(at: position) else { return nil }
                hasEscapes = true
                position &+= escape.length
            } else if byte >= 0x80 {
                guard let length = utf8SequenceLength(at: position) else { return nil }
                position &+= length
            } else {
                return nil  // a control character: skipPlainBytes stops at nothing else
            }
            position = skipPlainBytes(from: position)
        }
    }

    /// Writes the UTF-8 that the validated `span` stands for to `output` (room for `span`'s length needed)
    /// and returns the number of bytes written.
    func unescape(_ span: StringSpan, into output: UnsafeMutablePointer<UInt8>) -> Int {
        var position = span.start
        var written = 0
        while position < span.end {
            // Everything up to the next backslash stands for itself: copy it in one go.
            let backslash = nextBackslash(from: position, before: span.end)
            (output + written).initialize(from: bytes + position, count: backslash &- position)
            written &+= backslash &- position
            position = backslash
            guard position < span.end else { break }
            guard let escape = escape(at: position) else {
                output[written] = ASCII.backslash
                written &+= 1
                position &+= 1
                continue
            }
            written &+= Self.writeUTF8(escape.scalar, to: output + written)
            position &+= escape.length
        }
        return written
    }

    /// The first position in `position..<limit` holding a backslash, or `limit`; eight bytes at a time.
    private func nextBackslash(from position: Int, before limit: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        var position = position
        while limit &- position >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes + position).loadUnaligned(as: UInt64.self))
            let backslashes = word ^ (ones &* UInt64(ASCII.backslash))
            let found = (backslashes &- ones) & ~backslashes & (ones << 7)
            if found != 0 { return position &+ found.trailingZeroBitCount &>> 3 }
            position &+= 8
        }
        while position < limit && bytes[position] != ASCII.backslash {
            position &+= 1
        }
        return position
    }

    private static func writeUTF8(_ scalar: UInt32, to output: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            output[0] = UInt8(truncatingIfNeeded: scalar)
            return 1
        case 0x80..<0x800:
            output[0] = 0xC0 | UInt8(truncatingIfNeeded: scalar >> 6)
            output[1] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            output[0] = 0xE0 | UInt8(truncatingIfNeeded: scalar >> 12)
            output[1] = 0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F)
            output[2] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            return 3
        default:
            output[0] = 0xF0 | UInt8(truncatingIfNeeded: scalar >> 18)
            output[1] = 0x80 | UInt8(truncatingIfNeeded: (scalar >> 12) & 0x3F)
            output[2] = 0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F)
            output[3] = 0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F)
            return 4
        }
    }

    /// Returns the first position at or after `position` holding a quote, backslash, control character or
    /// non-ASCII byte, or `end`. Tests eight bytes at a time.
    @inline(__always)
    private func skipPlainBytes(from position: Int) -> Int {
        var position = position
        while end &- position >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes + position).loadUnaligned(as: UInt64.self))
            let special = JSONFieldScanner.specialBytes(word)
            if special != 0 {
                // The lowest flag marks the first special byte: a false flag only ever sits above a true one.
                return position &+ special.trailingZeroBitCount &>> 3
            }
            position &+= 8
        }
        while position < end {
            let byte = bytes[position]
            if byte == ASCII.quote || byte == ASCII.backslash || byte < 0x20 || byte >= 0x80 { break }
            position &+= 1
        }
        return position
    }

    /// The code point of the escape whose backslash is at `position` and the escape's length in bytes, or nil
    /// when it is invalid. A surrogate pair is one 12-byte escape; a lone surrogate is invalid.
    private func escape(at position: Int) -> (scalar: UInt32, length: Int)? {
        guard end &- position >= 2 else { return nil }
        let simple: UInt32
        switch bytes[position &+ 1] {
        case ASCII.quote, ASCII.backslash, ASCII.slash: simple = UInt32(bytes[position &+ 1])
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): return unicodeEscape(at: position)
        default: return nil
        }
        return (simple, 2)
    }

    /// A lone surrogate escape (a high one not followed by a low one, or a low one alone) makes the line
    /// malformed (CONTRACT 1, as I-JSON, RFC 7493, says): turned into U+FFFD it would merge distinct ids.
    private func unicodeEscape(at position: Int) -> (scalar: UInt32, length: Int)? {
        guard let unit = hexQuad(at: position &+ 2) else { return nil }
        guard (0xD800...0xDFFF).contains(unit) else { return (unit, 6) }
        guard unit < 0xDC00, end &- position >= 12, bytes[position &+ 6] == ASCII.backslash,
            bytes[position &+ 7] == UInt8(ascii: "u"), let low = hexQuad(at: position &+ 8),
            (0xDC00...0xDFFF).contains(low)
        else { return nil }
        return (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12)
    }

    private func hexQuad(at position: Int) -> UInt32? {
        guard end &- position >= 4 else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = bytes[position &+ offset]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte &- ASCII.zero
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- 0x37
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- 0x57
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The length of the well-formed UTF-8 sequence (RFC 3629 table 3-7) that starts with the non-ASCII byte
    /// at `position`, or nil. Rejects overlongs, UTF-8-encoded surrogates, code points above U+10FFFF and
    /// truncated sequences.
    private func utf8SequenceLength(at position: Int) -> Int? {
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch bytes[position] {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, secondLow) = (3, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: (length, secondHigh) = (3, 0x9F)
        case 0xF0: (length, secondLow) = (4, 0x90)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, secondHigh) = (4, 0x8F)
        default: return nil
        }
        guard end &- position >= length else { return nil }
        let second = bytes[position &+ 1]
        guard second >= secondLow && second <= secondHigh else { return nil }
        for offset in 2..<length where bytes[position &+ offset] & 0xC0 != 0x80 {
            return nil
        }
        return length
    }
}
