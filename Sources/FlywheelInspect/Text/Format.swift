import FlywheelEngine
import Foundation

/// Number and time formatting shared by the text, CSV and HTML renderers (locale-independent).
enum Format {
    /// A rate as a percentage with one decimal ("81.2%"), or "-" when nil.
    static func percent(_ rate: Double?) -> String {
        guard let rate else { return "-" }
        return String(format: "%.1f%%", rate * 100)
    }

    /// An interval of rates as "78.1-84.0%".
    static func percentInterval(_ interval: Interval?) -> String {
        guard let interval else { return "-" }
        return String(format: "%.1f-%.1f%%", interval.low * 100, interval.high * 100)
    }

    /// Milliseconds rounded to whole numbers, or "-".
    static func ms(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.0f", value)
    }

    /// A count with a k/M suffix past 10,000 ("12.3k", "4.5M").
    static func count(_ value: Int64) -> String {
        switch value {
        case ..<10_000: return "\(value)"
        case ..<10_000_000: return String(format: "%.1fk", Double(value) / 1000)
        default: return String(format: "%.1fM", Double(value) / 1_000_000)
        }
    }

    /// A number for machine-readable output: shortest round-trip form, or "" when nil.
    static func raw(_ value: Double?) -> String {
        guard let value else { return "" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    /// A signed difference of rates in percentage points ("+3.1 pp").
    static func points(_ value: Double) -> String { String(format: "%+.1f pp", value * 100) }

    /// A signed difference in milliseconds ("+120 ms").
    static func signedMs(_ value: Double) -> String { String(format: "%+.0f ms", value) }

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
