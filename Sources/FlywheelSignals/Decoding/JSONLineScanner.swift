/// Scans one line of JSON Lines input and keeps the values of a fixed set of top-level keys.
///
/// The grammar is strict RFC 8259 over well-formed UTF-8 (what Python's `json.loads` accepts, minus nesting
/// deeper than 512 containers). A lone surrogate escape makes the line malformed.
/// Values of other keys and of nested containers are validated and skipped without building Strings.
/// A scanner is reusable but not shareable: keep one per partition task and call ``scan(_:)`` for each line.
public struct JSONLineScanner: Sendable {
    private var fields: JSONFieldScanner

    /// Values of the wanted keys for the last scanned object; nil when absent.
    ///
    /// `values[i]` belongs to `keys[i]` of ``init(keys:)``. When a key repeats in a line, the last occurrence
    /// wins (as Python's json and Jackson do). All entries are nil after a line that is not an object.
    public private(set) var values: [JSONValue?]

    /// Creates a scanner that keeps the values of `keys`, a fixed list of top-level keys, in that order.
    ///
    /// Keys are compared after unescaping. A key listed twice only fills its first slot.
    public init(keys: [String]) {
        fields = JSONFieldScanner(keys: keys)
        values = Array(repeating: nil, count: keys.count)
    }

    /// Scans `line`, the bytes of one line without its terminating "\n", and fills ``values``.
    ///
    /// Leading and trailing JSON whitespace (space, tab, \r, \n) is allowed. Allocates nothing except the
    /// Strings kept in ``values`` (and, rarely, the text of a number that needs exact decimal conversion).
    public mutating func scan(_ line: UnsafeRawBufferPointer) -> JSONLineScanResult {
        let result = fields.scan(line)
        let bytes = line.baseAddress?.assumingMemoryBound(to: UInt8.self)
        for (slot, span) in fields.spans.enumerated() {
            values[slot] = bytes.flatMap { span.value(in: $0) }
        }
        return result
    }
}
