extension EventTime {
    /// Parses an RFC 3339 timestamp with a required zone (`Z`, `z` or `±hh:mm`) and any number of
    /// fraction digits, truncated toward the past to milliseconds. Impossible dates, `:60` and
    /// offsets beyond 23:59 give nil. `T` may be `t`.
    public static func parseRFC3339(_ bytes: UnsafeRawBufferPointer) -> EventTime? {
        // `yyyy-mm-ddThh:mm:ss` has a fixed layout, read without a loop; the fraction and zone vary.
        guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] | 0x20 == UInt8(ascii: "t"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        let year = twoDigits(bytes, at: 0) * 100 + twoDigits(bytes, at: 2)
        let month = twoDigits(bytes, at: 5)
        let day = twoDigits(bytes, at: 8)
        let hour = twoDigits(bytes, at: 11)
        let minute = twoDigits(bytes, at: 14)
        let second = twoDigits(bytes, at: 17)
        guard year >= 0, (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month),
            (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        let fractionMs: Int64
        let offsetMinutes: Int
        let milliseconds = bytes.count == 24 ? digit(bytes, at: 20) * 100 + twoDigits(bytes, at: 21) : -1
        if milliseconds >= 0, bytes[19] == UInt8(ascii: "."), bytes[23] | 0x20 == UInt8(ascii: "z") {
            // The usual `.sssZ` ending (the form Flywheel writes) needs no loop either.
            (fractionMs, offsetMinutes) = (Int64(milliseconds), 0)
        } else {
            var p = RFC3339Cursor(bytes: bytes)
            p.index = 19
            guard let fraction = p.fractionMillis(), let offset = p.zoneOffsetMinutes(), p.atEnd else { return nil }
            (fractionMs, offsetMinutes) = (fraction, offset)
        }
        let days = CivilCalendar.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes) * 60
        return EventTime(millis: seconds * 1000 + fractionMs)
    }

    /// The two decimal digits at `index`, or a negative number when they are not both digits (which makes
    /// every range check above fail, a four-digit year included).
    @inline(__always)
    private static func twoDigits(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        digit(bytes, at: index) * 10 + digit(bytes, at: index + 1)
    }

    /// The decimal digit at `index`, or a negative number far enough below zero that any sum of a few
    /// scaled digits that includes it stays negative.
    @inline(__always)
    private static func digit(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        let value = bytes[index] &- UInt8(ascii: "0")
        return value <= 9 ? Int(value) : -1_000_000
    }

    /// Parses a timestamp held in a String (convenience for tests and configuration).
    public static func parseRFC3339(_ text: String) -> EventTime? {
        var copy = text
        return copy.withUTF8 { parseRFC3339(UnsafeRawBufferPointer($0)) }
    }

    /// The timestamp as RFC 3339 UTC with milliseconds, e.g. `2026-11-26T10:00:00.000Z`.
    public var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the RFC 3339 UTC form to a byte buffer (no allocation beyond the buffer's growth).
    public func appendRFC3339(to out: inout [UInt8]) {
        let totalSeconds = millis.floorDivided(by: 1000)
        let ms = (millis % 1000 + 1000) % 1000
        let days = totalSeconds.floorDivided(by: 86_400)
        let secOfDay = totalSeconds - days * 86_400
        let (y, m, d) = CivilCalendar.civilFromDays(days)
        if y < 0 { out.append(UInt8(ascii: "-")) }
        appendPadded(abs(y), width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(m, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(d, width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendPadded(secOfDay / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(secOfDay / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(secOfDay % 60, width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendPadded(ms, width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
    }
}

@inline(__always)
private func appendPadded(_ value: Int64, width: Int, to out: inout [UInt8]) {
    var divisor: Int64 = 1
    var digits = 1
    while digits < width || value / divisor >= 10 {
        divisor *= 10
        digits += 1
    }
    var v = value
    while divisor > 0 {
        out.append(UInt8(ascii: "0") + UInt8(v / divisor))
        v %= divisor
        divisor /= 10
    }
}
