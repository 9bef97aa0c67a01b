import FlywheelEngine
import Foundation

/// Number and time formatting shared by the text, CSV and HTML renderers (locale-independent).
///
/// Values of any size show in a few characters: past ``largeFixed`` a number is written with three
/// significant digits and an exponent ("9.22e+18") instead of dozens of digits.
enum Format {
    /// The magnitude from which fixed-point output switches to an exponent.
    static let largeFixed = 1e12

    /// `value` with `decimals` decimals ("%.1f"), or as "9.22e+18" past ``largeFixed``.
    static func fixed(_ value: Double, decimals: Int, sign: Bool = false) -> String {
        let flag = sign ? "+" : ""
        if abs(value) >= largeFixed { return String(format: "%\(flag).3g", value) }
        return String(format: "%\(flag).\(decimals)f", value)
    }

    /// A rate as a percentage with one decimal ("81.2%"), or "-" when nil.
    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "-" }
        return fixed(rate * 100, decimals: 1) + "%"
    }

    /// An interval of rates as "78.1-84.0%".
    static func percentInterval(_ interval: Interval?) -> String {
        guard let interval else { return "-" }
        return fixed(interval.low * 100, decimals: 1) + "-" + fixed(interval.high * 100, decimals: 1) + "%"
    }

    /// Milliseconds rounded to whole numbers, or "-".
    static func ms(_ value: Double?) -> String {
        guard let value else { return "-" }
        return fixed(value, decimals: 0)
    }

    /// A count with a k/M/G/T/P/E suffix past 10,000 ("12.3k", "4.5M", "9.2E" for Int64.max).
    static func count(_ value: Int64) -> String {
        value.magnitude < 10_000 ? "\(value)" : count(Double(value))
    }

    /// A count given as a real number (an axis tick), with the suffixes of ``count(_:)-(Int64)``.
    static func count(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        if abs(value) < 10_000 { return "\(Int64(value.rounded(.towardZero)))" }
        let suffixes = ["k", "M", "G", "T", "P", "E"]
        var scaled = value / 1000
        var index = 0
        while abs(scaled) >= 10_000 && index < suffixes.count - 1 {
            scaled /= 1000
            index += 1
        }
        return fixed(scaled, decimals: 1) + suffixes[index]
    }

    /// A number for machine-readable output: shortest round-trip form, or "" when nil.
    static func raw(_ value: Double?) -> String {
        guard let value else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    /// A signed difference of rates in percentage points ("+3.1 pp").
    static func points(_ value: Double) -> String { fixed(value * 100, decimals: 1, sign: true) + " pp" }

    /// A signed difference in milliseconds ("+120 ms").
    static func signedMs(_ value: Double) -> String { fixed(value, decimals: 0, sign: true) + " ms" }

    /// RFC 3339 UTC without milliseconds when they are 0 ("2026-11-18T11:06:00Z").
    static func time(_ time: EventTime) -> String {
        let text = time.rfc3339
        return text.hasSuffix(".000Z") ? String(text.dropLast(5)) + "Z" : text
    }

    /// A p-value to three decimals, "<0.001" below.
    static func pValue(_ p: Double?) -> String {
        guard let p else { return "-" }
        return p < 0.001 ? "<0.001" : String(format: "%.3f", p)
    }
}
