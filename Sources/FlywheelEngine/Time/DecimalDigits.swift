/// Decimal digits written through a pointer, for encoders that write into their own buffers (RFC 3339
/// timestamps, JSON integers).
public enum DecimalDigits {
    /// Writes the decimal digits of `value`, with leading zeros up to `width`, at `out`; returns how
    /// many bytes it wrote (at most 20, or `width`).
    @inlinable
    public static func write(_ value: UInt64, width: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        digits = Swift.max(digits, width)
        var remaining = value
        for index in stride(from: digits - 1, through: 0, by: -1) {
            out[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return digits
    }
}
