extension Int64 {
    /// `self + other`, held at `.max` or `.min` instead of trapping on overflow.
    ///
    /// Record values come from any producer of a signal topic, so sums of them must never trap; a sum past
    /// the range shows as the largest (or smallest) value instead.
    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }

    /// `self` from a number that may have a fraction or lie outside Int64: rounded toward zero and clamped.
    init(roundingClamped value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 0x1p63 {
            self = .max
        } else if value < -0x1p63 {
            self = .min
        } else {
            self = Int64(value.rounded(.towardZero))
        }
    }
}
