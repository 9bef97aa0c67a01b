extension JSONFieldScanner.Cursor {
    private typealias ASCII = JSONFieldScanner.ASCII

    /// What the grammar pass learned about a number literal, enough to convert most literals exactly.
    ///
    /// Invariant: when `significantDigits <= 19`, the literal's magnitude is exactly
    /// `significand * 10^decimalExponent`; past 19 digits the extra digits are dropped.
    struct NumberLiteral {
        var start: Int
        var end: Int
        var isNegative = false
        var isInteger = true
        var significand: UInt64 = 0
        var significantDigits = 0
        var decimalExponent = 0
    }

    /// Validates the number literal under the cursor (RFC 8259 grammar) and moves past it, without working out
    /// its value: most numbers are only checked, and a wanted one gets its value later, from its span.
    mutating func skipNumber() -> Bool {
        var position = index
        if bytes[position] == ASCII.minus {
            position &+= 1
        }
        guard position < end, isDigit(bytes[position]) else { return false }
        position = bytes[position] == ASCII.zero ? position &+ 1 : skipDigits(from: position)
        if position < end && bytes[position] == ASCII.dot {
            position &+= 1
            guard position < end, isDigit(bytes[position]) else { return false }
            position = skipDigits(from: position)
        }
        if position < end && bytes[position] | 0x20 == UInt8(ascii: "e") {
            position &+= 1
            if position < end && (bytes[position] == ASCII.minus || bytes[position] == UInt8(ascii: "+")) {
                position &+= 1
            }
            guard position < end, isDigit(bytes[position]) else { return false }
            position = skipDigits(from: position)
        }
        index = position
        return true
    }

    /// Validates the number literal under the cursor (RFC 8259 grammar), moves past it and returns what it says.
    mutating func scanNumber() -> NumberLiteral? {
        var literal = NumberLiteral(start: index, end: index)
        var position = index
        if bytes[position] == ASCII.minus {
            literal.isNegative = true
            position &+= 1
        }
        guard position < end, isDigit(bytes[position]) else { return nil }
        if bytes[position] == ASCII.zero {
            position &+= 1
        } else {
            position = scanDigits(from: position, into: &literal, isFraction: false)
        }
        if position < end && bytes[position] == ASCII.dot {
            literal.isInteger = false
            position &+= 1
            guard position < end, isDigit(bytes[position]) else { return nil }
            position = scanDigits(from: position, into: &literal, isFraction: true)
        }
        if position < end && bytes[position] | 0x20 == UInt8(ascii: "e") {
            literal.isInteger = false
            guard let after = scanExponent(from: position &+ 1, into: &literal) else { return nil }
            position = after
        }
        literal.end = position
        index = position
        return literal
    }

    /// The value of a literal that `scanNumber` accepted.
    func value(of literal: NumberLiteral) -> JSONValue {
        let exactInteger = exactInteger(of: literal)
        if let magnitude = fastMagnitude(of: literal) {
            return .number(literal.isNegative ? -magnitude : magnitude, exactInteger: exactInteger)
        }
        let digits = UnsafeBufferPointer(start: bytes + literal.start, count: literal.end &- literal.start)
        let text = String(decoding: digits, as: UTF8.self)
        // `Double(_:)` rounds correctly independent of the C locale and yields +-infinity on overflow.
        guard let value = Double(text), value.isFinite else { return .nonFiniteNumber }
        return .number(value, exactInteger: exactInteger)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- ASCII.zero < 10
    }

    @inline(__always)
    private func skipDigits(from start: Int) -> Int {
        var position = start
        while position < end, isDigit(bytes[position]) {
            position &+= 1
        }
        return position
    }

    @inline(__always)
    private func scanDigits(from start: Int, into literal: inout NumberLiteral, isFraction: Bool) -> Int {
        var position = start
        while position < end {
            let digit = bytes[position] &- ASCII.zero
            guard digit < 10 else { break }
            position &+= 1
            if literal.significantDigits == 0 && digit == 0 {
                // A leading zero of a fraction only scales the value.
                literal.decimalExponent &-= 1
                continue
            }
            literal.significantDigits &+= 1
            if literal.significantDigits <= 19 {
                literal.significand = literal.significand &* 10 &+ UInt64(digit)
                if isFraction { literal.decimalExponent &-= 1 }
            } else if !isFraction {
                literal.decimalExponent &+= 1
            }
        }
        return position
    }

    /// Scans `[+-]?[0-9]+` from `start`; exponents beyond +-100000 saturate, which keeps their meaning.
    private func scanExponent(from start: Int, into literal: inout NumberLiteral) -> Int? {
        var position = start
        var isNegative = false
        if position < end && (bytes[position] == ASCII.minus || bytes[position] == UInt8(ascii: "+")) {
            isNegative = bytes[position] == ASCII.minus
            position &+= 1
        }
        guard position < end, isDigit(bytes[position]) else { return nil }
        var exponent = 0
        while position < end, isDigit(bytes[position]) {
            exponent = min(exponent &* 10 &+ Int(bytes[position] &- ASCII.zero), 100_000)
            position &+= 1
        }
        literal.decimalExponent &+= isNegative ? -exponent : exponent
        return position
    }

    private func exactInteger(of literal: NumberLiteral) -> Int64? {
        guard literal.isInteger, literal.significantDigits <= 19 else { return nil }
        if literal.isNegative {
            guard literal.significand <= UInt64(Int64.max) + 1 else { return nil }
            return Int64(bitPattern: 0 &- literal.significand)
        }
        guard literal.significand <= UInt64(Int64.max) else { return nil }
        return Int64(literal.significand)
    }

    /// The magnitude when one correctly rounded operation gives it (Clinger's fast path), else nil.
    private func fastMagnitude(of literal: NumberLiteral) -> Double? {
        if literal.significand == 0 { return 0 }
        guard literal.significantDigits <= 19 else { return nil }
        if literal.decimalExponent == 0 {
            // Int64 to Double conversion rounds correctly.
            return literal.significand <= UInt64(Int64.max) ? Double(Int64(literal.significand)) : nil
        }
        // Both the significand and 10^|e| for |e| <= 22 are exact Doubles, so one rounding happens.
        guard literal.significand <= 1 << 53, abs(literal.decimalExponent) <= 22 else { return nil }
        let significand = Double(literal.significand)
        let scale = Self.powerOfTen(abs(literal.decimalExponent))
        return literal.decimalExponent < 0 ? significand / scale : significand * scale
    }

    @inline(__always)
    private static func powerOfTen(_ exponent: Int) -> Double {
        var result = 1.0
        var factor = 10.0
        var remaining = exponent
        // Square-and-multiply: `result` only ever holds powers of ten up to 1e22, which are exact Doubles.
        while remaining > 0 {
            if remaining & 1 == 1 { result *= factor }
            factor *= factor
            remaining >>= 1
        }
        return result
    }
}
