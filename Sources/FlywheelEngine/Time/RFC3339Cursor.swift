/// A forward-only reader over the bytes of an RFC 3339 timestamp.
struct RFC3339Cursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    @inline(__always)
    mutating func digits(_ count: Int) -> Int? {
        guard index + count <= bytes.count else { return nil }
        var value = 0
        for i in index..<(index + count) {
            let d = bytes[i] &- UInt8(ascii: "0")
            guard d <= 9 else { return nil }
            value = value * 10 + Int(d)
        }
        index += count
        return value
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Milliseconds of an optional `.fraction` (at least one digit), truncated; 0 when absent.
    mutating func fractionMillis() -> Int64? {
        guard expect(UInt8(ascii: ".")) else { return 0 }
        var ms: Int64 = 0
        var n = 0
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") <= 9 {
            if n < 3 { ms = ms * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
            n += 1
            index += 1
        }
        guard n > 0 else { return nil }
        var k = n
        while k < 3 {
            ms *= 10
            k += 1
        }
        return ms
    }

    /// The zone offset in minutes east of UTC: `Z`/`z` is 0, `±hh:mm` with hh <= 23 and mm <= 59.
    mutating func zoneOffsetMinutes() -> Int? {
        if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) { return 0 }
        let sign: Int
        if expect(UInt8(ascii: "+")) {
            sign = 1
        } else if expect(UInt8(ascii: "-")) {
            sign = -1
        } else {
            return nil
        }
        guard let hh = digits(2), expect(UInt8(ascii: ":")), let mm = digits(2), hh <= 23, mm <= 59 else { return nil }
        return sign * (hh * 60 + mm)
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's days-from-civil algorithms).
public enum CivilCalendar {
    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// (year, month, day) of a day count since 1970-01-01.
    public static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
