extension JSONLineScanner {
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

        /// Decodes the value under the cursor as a wanted top-level field; nil when it is invalid.
        mutating func decodeValue() -> JSONValue? {
            switch peek() {
            case ASCII.quote:
                return decodeString().map { .string($0) }
            case ASCII.minus, ASCII.zero...ASCII.nine:
                return scanNumber().map { value(of: $0) }
            case UInt8(ascii: "t"):
                return consumeTrue() ? .bool(true) : nil
            case UInt8(ascii: "f"):
                return consumeFalse() ? .bool(false) : nil
            case UInt8(ascii: "n"):
                return consumeNull() ? .null : nil
            case ASCII.openBracket:
                return skipValue(enclosingDepth: 1) ? .array : nil
            case ASCII.openBrace:
                return skipValue(enclosingDepth: 1) ? .object : nil
            default:
                return nil
            }
        }
    }
}
