/// Scans one line of JSON Lines input and keeps the values of a fixed set of top-level keys.
///
/// The grammar is strict RFC 8259 over well-formed UTF-8 (what Python's `json.loads` accepts, minus nesting
/// deeper than 512 containers). A lone surrogate escape, which a Swift `String` cannot hold, becomes U+FFFD.
/// Values of other keys and of nested containers are validated and skipped without building Strings.
/// A scanner is reusable but not shareable: keep one per partition task and call ``scan(_:)`` for each line.
public struct JSONLineScanner: Sendable {
    /// Lines that nest arrays and objects deeper than this are `.notJSON`; the top-level object is depth 1.
    static let maximumDepth = 512

    private let keyTable: KeyTable

    /// Values of the wanted keys for the last scanned object; nil when absent.
    ///
    /// `values[i]` belongs to `keys[i]` of ``init(keys:)``. When a key repeats in a line, the last occurrence
    /// wins (as Python's json and Jackson do). All entries are nil after a line that is not an object.
    public private(set) var values: [JSONValue?]

    /// Creates a scanner that keeps the values of `keys`, a fixed list of top-level keys, in that order.
    ///
    /// Keys are compared after unescaping. A key listed twice only fills its first slot.
    public init(keys: [String]) {
        keyTable = KeyTable(keys: keys)
        values = Array(repeating: nil, count: keys.count)
    }

    /// Scans `line`, the bytes of one line without its terminating "\n", and fills ``values``.
    ///
    /// Leading and trailing JSON whitespace (space, tab, \r, \n) is allowed. Allocates nothing except the
    /// Strings kept in ``values`` (and, rarely, the text of a number that needs exact decimal conversion).
    public mutating func scan(_ line: UnsafeRawBufferPointer) -> JSONLineScanResult {
        clearValues()
        guard let base = line.baseAddress else { return .notJSON }
        var cursor = Cursor(bytes: base.assumingMemoryBound(to: UInt8.self), end: line.count)
        let result = scanDocument(&cursor)
        if result != .object {
            clearValues()
        }
        return result
    }

    private mutating func scanDocument(_ cursor: inout Cursor) -> JSONLineScanResult {
        cursor.skipWhitespace()
        let isObject = cursor.peek() == ASCII.openBrace
        let isValid = isObject ? scanTopLevelObject(&cursor) : cursor.skipValue(enclosingDepth: 0)
        guard isValid else { return .notJSON }
        cursor.skipWhitespace()
        guard cursor.isAtEnd else { return .notJSON }
        return isObject ? .object : .notObject
    }

    /// Scans the object under the cursor, storing wanted values as they come so that the last duplicate wins.
    private mutating func scanTopLevelObject(_ cursor: inout Cursor) -> Bool {
        cursor.advance()
        cursor.skipWhitespace()
        if cursor.peek() == ASCII.closeBrace {
            cursor.advance()
            return true
        }
        while true {
            switch scanMemberName(&cursor) {
            case .some(.wanted(let slot)):
                guard let value = cursor.decodeValue() else { return false }
                values[slot] = value
            case .some(.unwanted):
                guard cursor.skipValue(enclosingDepth: 1) else { return false }
            case .none:
                return false
            }
            cursor.skipWhitespace()
            switch cursor.peek() {
            case ASCII.comma:
                cursor.advance()
                cursor.skipWhitespace()
            case ASCII.closeBrace:
                cursor.advance()
                return true
            default:
                return false
            }
        }
    }

    private enum Member {
        case wanted(Int)
        case unwanted
    }

    /// Scans `"name" :` and the whitespace after it; nil when that is not what follows.
    private func scanMemberName(_ cursor: inout Cursor) -> Member? {
        guard cursor.peek() == ASCII.quote, let span = cursor.scanString() else { return nil }
        let slot: Int?
        if span.hasEscapes {
            slot = lookUpEscapedKey(span, in: cursor)
        } else {
            slot = keyTable.index(of: cursor.bytes + span.start, count: span.end &- span.start)
        }
        cursor.skipWhitespace()
        guard cursor.peek() == ASCII.colon else { return nil }
        cursor.advance()
        cursor.skipWhitespace()
        return slot.map { .wanted($0) } ?? .unwanted
    }

    private func lookUpEscapedKey(_ span: Cursor.StringSpan, in cursor: Cursor) -> Int? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: span.end &- span.start) { buffer in
            guard let base = buffer.baseAddress else { return nil }
            let count = cursor.unescape(span, into: base)
            return keyTable.index(of: UnsafePointer(base), count: count)
        }
    }

    private mutating func clearValues() {
        for slot in values.indices {
            values[slot] = nil
        }
    }
}
