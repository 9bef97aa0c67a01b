/// The verdict of ``JSONLineScanner/scan(_:)`` on one line.
public enum JSONLineScanResult: Equatable, Sendable {
    /// The line is one JSON object; the wanted fields are in ``JSONLineScanner/values``.
    case object
    /// Not valid JSON: a syntax error, invalid UTF-8, NaN/Infinity, trailing garbage, nesting deeper than 512,
    /// and so on.
    case notJSON
    /// Valid JSON whose top-level value is not an object.
    case notObject
}
