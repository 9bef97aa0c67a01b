extension EventTime {
    /// Parses an RFC 3339 timestamp with a required zone (`Z`, `z` or `±hh:mm`) and any number of
    /// fraction digits, truncated toward the past to milliseconds. Impossible dates, `:60` and
    /// offsets beyond 23:59 give nil, and so does an instant that falls, in UTC, outside years 0000-9999
    /// (CONTRACT 1: every output timestamp has a four-digit year). `T` may be `t`.
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
        let millis = seconds * 1000 + fractionMs
        guard millis >= rfc3339Range.lowerBound && millis <= rfc3339Range.upperBound else { return nil }
        return EventTime(millis: millis)
    }

    /// Epoch milliseconds of `0000-01-01T00:00:00.000Z` ... `9999-12-31T23:59:59.999Z`, the instants a
    /// timestamp may name.
    static let rfc3339Range: ClosedRange<Int64> =
        CivilCalendar.daysFromCivil(year: 0, month: 1, day: 1) * 86_400_000...CivilCalendar.daysFromCivil(
            year: 10_000, month: 1, day: 1) * 86_400_000 - 1

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
        String(unsafeUninitializedCapacity: Self.maxRFC3339Bytes) { writeRFC3339(to: $0.baseAddress!) }
    }

    /// The longest `rfc3339` form: a sign, a year of up to 19 digits, and 20 more bytes.
    public static let maxRFC3339Bytes = 40

    /// Appends the RFC 3339 UTC form to a byte buffer.
    public func appendRFC3339(to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maxRFC3339Bytes) { buffer in
            let count = writeRFC3339(to: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Writes the RFC 3339 UTC form at `out`, which has room for `maxRFC3339Bytes`; returns how many
    /// bytes it wrote. The one formatter behind `rfc3339` and encoders that write through a pointer.
    public func writeRFC3339(to out: UnsafeMutablePointer<UInt8>) -> Int {
        let totalSeconds = millis.floorDivided(by: 1000)
        let days = totalSeconds.floorDivided(by: 86_400)
        let secondOfDay = totalSeconds - days * 86_400
        let (year, month, day) = CivilCalendar.civilFromDays(days)
        var count = 0
        func put(_ byte: UInt8) {
            out[count] = byte
            count += 1
        }
        func putPadded(_ value: UInt64, width: Int) {
            count += DecimalDigits.write(value, width: width, to: out + count)
        }
        if year < 0 { put(UInt8(ascii: "-")) }
        putPadded(year.magnitude, width: 4)
        put(UInt8(ascii: "-"))
        putPadded(month.magnitude, width: 2)
        put(UInt8(ascii: "-"))
        putPadded(day.magnitude, width: 2)
        put(UInt8(ascii: "T"))
        putPadded(UInt64(secondOfDay / 3600), width: 2)
        put(UInt8(ascii: ":"))
        putPadded(UInt64(secondOfDay / 60 % 60), width: 2)
        put(UInt8(ascii: ":"))
        putPadded(UInt64(secondOfDay % 60), width: 2)
        put(UInt8(ascii: "."))
        putPadded(UInt64((millis % 1000 + 1000) % 1000), width: 3)
        put(UInt8(ascii: "Z"))
        return count
    }
}
