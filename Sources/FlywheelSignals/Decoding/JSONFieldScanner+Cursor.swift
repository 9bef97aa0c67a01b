extension JSONFieldScanner {
    /// The bytes JSON syntax is made of.
    enum ASCII {
        static let space: UInt8 = 0x20
        static let quote: UInt8 = 0x22
        static let comma: UInt8 = 0x2C
        static let minus: UInt8 = 0x2D
        static let dot: UInt8 = 0x2E
        static let slash: UInt8 = 0x2F
        static let zero: UInt8 = 0x30
        static let nine: UInt8 = 0x39
        static let colon: UInt8 = 0x3A
        static let openBracket: UInt8 = 0x5B
        static let backslash: UInt8 = 0x5C
        static let closeBracket: UInt8 = 0x5D
        static let openBrace: UInt8 = 0x7B
        static let closeBrace: UInt8 = 0x7D
    }

    /// The high bit of each byte of `word` that is a quote, a backslash, below 0x20 or above 0x7F, possibly
    /// with more bits set above the first such byte (the borrows of the subtractions).
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(ASCII.quote))
        let backslashes = word ^ (ones &* UInt64(ASCII.backslash))
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highBits
    }

    /// A read position in one line.
    ///
    /// Invariant: `bytes[0..<end]` stays valid while the cursor is used; `index` may only pass `end` by
    /// being set to it. `peek()` returns 0 at the end, a byte that no JSON token starts or continues with.
    struct Cursor {
        let bytes: UnsafePointer<UInt8>
        let end: Int
        var index = 0

        init(bytes: UnsafePointer<UInt8>, end: Int) {
            self.bytes = bytes
            self.end = end
        }

        var isAtEnd: Bool { index >= end }

        @inline(__always)
        func peek() -> UInt8 {
            index < end ? bytes[index] : 0
        }

        @inline(__always)
        mutating func advance() {
            index &+= 1
        }

        @inline(__always)
        mutating func skipWhitespace() {
            // Bit b of the mask is set for the JSON whitespace bytes b: tab, newline, carriage return, space.
            let mask: UInt64 = 1 << 0x09 | 1 << 0x0A | 1 << 0x0D | 1 << 0x20
            while index < end {
                let byte = bytes[index]
                guard byte <= ASCII.space, mask & (1 << UInt64(byte)) != 0 else { return }
                index &+= 1
            }
        }

        /// Consumes the four bytes of `word` (packed little-endian) found `offset` bytes after the cursor.
        @inline(__always)
        mutating func consume(word: UInt32, offset: Int) -> Bool {
            let start = index &+ offset
            guard end &- start >= 4 else { return false }
            let loaded = UnsafeRawPointer(bytes + start).loadUnaligned(as: UInt32.self)
            guard UInt32(littleEndian: loaded) == word else { return false }
            index = start &+ 4
            return true
        }

        @inline(__always)
        mutating func consumeTrue() -> Bool { consume(word: 0x6575_7274, offset: 0) }  // "true"

        @inline(__always)
        mutating func consumeFalse() -> Bool { consume(word: 0x6573_6C61, offset: 1) }  // "f" + "alse"

        @inline(__always)
        mutating func consumeNull() -> Bool { consume(word: 0x6C6C_756E, offset: 0) }  // "null"

        /// Validates the value of a top-level member under the cursor, moves past it and returns where it lies;
        /// nil when it is invalid. Inlined for strings, the most common values.
        @inline(__always)
        mutating func scanValue() -> JSONFieldSpan? {
            guard peek() == ASCII.quote else { return scanOtherValue() }
            guard let string = scanString() else { return nil }
            return JSONFieldSpan(kind: .string, start: string.start, end: string.end, hasEscapes: string.hasEscapes)
        }

        /// `scanValue` for anything but a string.
        @inline(never)
        private mutating func scanOtherValue() -> JSONFieldSpan? {
            let start = index
            let kind: JSONFieldSpan.Kind
            switch peek() {
            case ASCII.minus, ASCII.zero...ASCII.nine:
                guard skipNumber() else { return nil }
                kind = .number
            case UInt8(ascii: "t"):
                guard consumeTrue() else { return nil }
                kind = .bool
            case UInt8(ascii: "f"):
                guard consumeFalse() else { return nil }
                kind = .bool
            case UInt8(ascii: "n"):
                guard consumeNull() else { return nil }
                kind = .null
            case ASCII.openBracket:
                guard skipValue(enclosingDepth: 1) else { return nil }
                kind = .array
            case ASCII.openBrace:
                guard skipValue(enclosingDepth: 1) else { return nil }
                kind = .object
            default:
                return nil
            }
            return JSONFieldSpan(kind: kind, start: start, end: index)
        }
    }
}
