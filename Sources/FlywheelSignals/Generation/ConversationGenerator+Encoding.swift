import FlywheelEngine

/// A growable byte buffer that JSON lines are encoded into, without Foundation formatters.
struct GeneratorLineBuffer {
    var bytes: [UInt8] = []
    /// Written after the letter of every id: the seed in base 36 and a dash (`e16-0` for seed 42), so logs
    /// generated with different seeds share no event, conversation, message or user id and can be replayed
    /// together.
    let idTag: [UInt8]

    init(capacity: Int, seed: UInt64) {
        bytes.reserveCapacity(capacity)
        var tag = GeneratorLineBuffer(digitsOf: seed)
        tag.byte(UInt8(ascii: "-"))
        idTag = tag.bytes
    }

    /// A buffer holding `value` in base 36 only.
    private init(digitsOf value: UInt64) {
        idTag = []
        digits(value, radix: 36, minimumWidth: 1)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ piece: [UInt8]) {
        bytes.append(contentsOf: piece)
    }

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    /// Writes `value` in decimal (with a leading `-` when negative).
    mutating func decimal<Number: BinaryInteger>(_ value: Number) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        digits(UInt64(value.magnitude), radix: 10, minimumWidth: 1)
    }

    /// Writes `value` in lowercase base 36.
    mutating func base36(_ value: Int) {
        digits(UInt64(value.magnitude), radix: 36, minimumWidth: 1)
    }

    /// Writes `value` zero-padded to at least `width` decimal digits.
    mutating func padded(_ value: Int64, width: Int) {
        digits(UInt64(value.magnitude), radix: 10, minimumWidth: width)
    }

    private mutating func digits(_ value: UInt64, radix: UInt64, minimumWidth: Int) {
        var divisor: UInt64 = 1
        var width = 1
        while divisor <= value / radix || width < minimumWidth {
            divisor *= radix
            width += 1
        }
        var rest = value
        while divisor > 0 {
            let digit = UInt8(truncatingIfNeeded: rest / divisor)
            byte(digit < 10 ? 48 + digit : 87 + digit)
            rest %= divisor
            divisor /= radix
        }
    }

    /// Writes the id `<prefix><seed tag><base36 value>`.
    mutating func id(prefix: UInt8, _ value: Int) {
        byte(prefix)
        raw(idTag)
        base36(value)
    }

    /// Writes `"key":"<id>"` (see ``id(prefix:_:)``); `-1` writes nothing, `-2` an empty string, `-3` `null`.
    mutating func idField(_ key: StaticString, prefix: UInt8, _ value: Int) {
        guard value != -1 else { return }
        raw(key)
        if value == -3 {
            raw("null")
            return
        }
        byte(0x22)
        if value >= 0 { id(prefix: prefix, value) }
        byte(0x22)
    }

    /// Writes latency in milliseconds from tenths: `812` or `812.5`.
    mutating func latency(tenths: Int) {
        decimal(tenths / 10)
        let fraction = tenths.magnitude % 10
        if fraction != 0 {
            byte(UInt8(ascii: "."))
            byte(48 + UInt8(fraction))
        }
    }
}

/// RFC 3339 timestamps.
extension GeneratorLineBuffer {
    /// Writes the instant `epochMs` as local time at `offsetMinutes`, e.g. `2026-11-26T15:30:00.123+05:30`.
    mutating func timestamp(_ epochMs: Int64, offsetMinutes: Int, style: UInt8, salt: Int, mutation: GeneratedMutation)
    {
        let local = epochMs + Int64(offsetMinutes) * 60_000
        let days = local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
        let msOfDay = local - days * 86_400_000
        var (year, month, day) = CivilCalendar.civilFromDays(days)
        var seconds = msOfDay / 1000 % 60
        if mutation == .impossibleTimestamp {
            switch salt % 3 {
            case 0: (month, day) = (2, 30)
            case 1: (month, day) = (4, 31)
            default: seconds = 60
            }
        }
        padded(year, width: 4)
        dateSeparator(month)
        dateSeparator(day)
        byte(style == 2 ? UInt8(ascii: "t") : UInt8(ascii: "T"))
        timeOfDay(msOfDay, seconds: seconds)
        if style == 1 { padded(Int64(salt % 1000), width: 3) }
        if mutation != .missingZone { zone(offsetMinutes, lowercase: style == 2) }
    }

    /// `hh:mm:ss.mmm`; `seconds` is passed separately so a defect can replace it.
    private mutating func timeOfDay(_ msOfDay: Int64, seconds: Int64) {
        padded(msOfDay / 3_600_000, width: 2)
        byte(UInt8(ascii: ":"))
        padded(msOfDay / 60_000 % 60, width: 2)
        byte(UInt8(ascii: ":"))
        padded(seconds, width: 2)
        byte(UInt8(ascii: "."))
        padded(msOfDay % 1000, width: 3)
    }

    private mutating func dateSeparator(_ value: Int64) {
        byte(UInt8(ascii: "-"))
        padded(value, width: 2)
    }

    private mutating func zone(_ offsetMinutes: Int, lowercase: Bool) {
        guard offsetMinutes != 0 else {
            byte(lowercase ? UInt8(ascii: "z") : UInt8(ascii: "Z"))
            return
        }
        byte(offsetMinutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        padded(Int64(abs(offsetMinutes) / 60), width: 2)
        byte(UInt8(ascii: ":"))
        padded(Int64(abs(offsetMinutes) % 60), width: 2)
    }
}
