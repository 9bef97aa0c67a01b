/// The value of one top-level field, as much as validation needs.
///
/// Nested arrays and objects are validated by the scanner but their contents are not kept.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case string(String)
    /// A finite number. `exactInteger` is set only when the literal has no fraction and no exponent
    /// and its value fits in Int64 (so "5" -> 5, "-0" -> 0, "5.0" -> nil, "1e2" -> nil).
    case number(Double, exactInteger: Int64?)
    /// A syntactically valid number literal whose value overflows to +-infinity as a Double (e.g. 1e999).
    case nonFiniteNumber
    /// An array; its contents were validated, not kept.
    case array
    /// An object; its contents were validated, not kept.
    case object
}
