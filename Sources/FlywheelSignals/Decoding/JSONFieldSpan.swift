/// Where the value of one wanted top-level key lies in a scanned line, and what kind of value it is.
///
/// The scanner records spans rather than values so that a line's fields become Strings and numbers
/// only if the caller needs them: validating an event reads its timestamp and type straight from the
/// bytes and never builds the Strings of fields it only type-checks.
struct JSONFieldSpan: Sendable {
    enum Kind: UInt8, Sendable {
        case absent, null, bool, string, number, array, object
    }

    static let absent = JSONFieldSpan(kind: .absent, start: 0, end: 0)

    var kind: Kind
    /// For a string, the bytes between its quotes; for any other kind, the bytes of the value.
    var start: Int
    var end: Int
    /// Whether a string contains escapes, so that its bytes are not its UTF-8 as they stand.
    var hasEscapes = false

    /// Present and not `null` (the contract treats `null` as absent).
    @inline(__always)
    var isPresent: Bool { kind != .absent && kind != .null }

    /// Whether a string has no characters (an escape always stands for at least one).
    @inline(__always)
    var isEmptyString: Bool { start == end }

    /// The value as a String; only for a string span of `line`, the line it was scanned from.
    func string(in line: UnsafePointer<UInt8>) -> String {
        // This initializer builds an ASCII string of up to 15 bytes (most ids) without validating it again.
        String(unsafeUninitializedCapacity: end &- start) { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return copyUTF8(in: line, to: base)
        }
    }

    /// Writes the UTF-8 of a string span of `line` to `output`, which has room for `end - start` bytes (every
    /// escape is at least as long as the UTF-8 it stands for); returns how many bytes it wrote.
    func copyUTF8(in line: UnsafePointer<UInt8>, to output: UnsafeMutablePointer<UInt8>) -> Int {
        let count = end &- start
        guard hasEscapes else {
            output.initialize(from: line + start, count: count)
            return count
        }
        return cursor(in: line).unescape(stringSpan, into: output)
    }

    /// Calls `body` with the UTF-8 of a string span of `line`, unescaping it into temporary memory
    /// only when it has escapes.
    func withUTF8<Result>(in line: UnsafePointer<UInt8>, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let count = end &- start
        guard hasEscapes else { return body(UnsafeRawBufferPointer(start: line + start, count: count)) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
            guard let base = buffer.baseAddress else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            let written = cursor(in: line).unescape(stringSpan, into: base)
            return body(UnsafeRawBufferPointer(start: base, count: written))
        }
    }

    /// The value of a number span of `line`. Non-negative integers of up to 18 digits, most numbers, are
    /// read from their digits; any other literal is scanned again, which costs less than keeping what the
    /// first scan learned for every number of every line.
    func number(in line: UnsafePointer<UInt8>) -> JSONValue {
        if end &- start <= 18 {
            var value: Int64 = 0
            var index = start
            while index < end, line[index] &- UInt8(ascii: "0") < 10 {
                value = value &* 10 &+ Int64(line[index] &- UInt8(ascii: "0"))
                index &+= 1
            }
            if index == end { return .number(Double(value), exactInteger: value) }
        }
        var cursor = cursor(in: line)
        guard let literal = cursor.scanNumber() else { preconditionFailure("a number span holds a valid literal") }
        return cursor.value(of: literal)
    }

    /// The value of a span of `line`; nil when absent.
    func value(in line: UnsafePointer<UInt8>) -> JSONValue? {
        switch kind {
        case .absent: return nil
        case .null: return .null
        case .bool: return .bool(line[start] == UInt8(ascii: "t"))
        case .string: return .string(string(in: line))
        case .number: return number(in: line)
        case .array: return .array
        case .object: return .object
        }
    }

    private var stringSpan: JSONFieldScanner.Cursor.StringSpan {
        JSONFieldScanner.Cursor.StringSpan(start: start, end: end, hasEscapes: hasEscapes)
    }

    private func cursor(in line: UnsafePointer<UInt8>) -> JSONFieldScanner.Cursor {
        var cursor = JSONFieldScanner.Cursor(bytes: line, end: end)
        cursor.index = start
        return cursor
    }
}
