/// Scans one line of JSON Lines input and records where the values of a fixed set of top-level keys lie.
///
/// The grammar is strict RFC 8259 over well-formed UTF-8 (what Python's `json.loads` accepts, minus nesting
/// deeper than 512 containers). Every value is validated, but none is built: ``spans`` point into the line,
/// so a caller turns into Strings and numbers only the fields it needs, while the line's bytes are alive.
/// A scanner is reusable but not shareable: keep one per task and call ``scan(_:)`` for each line.
struct JSONFieldScanner: Sendable {
    /// Lines that nest arrays and objects deeper than this are `.notJSON`; the top-level object is depth 1.
    static let maximumDepth = 512

    private let keyTable: KeyTable

    /// Where the values of the wanted keys lie in the last scanned object; `.absent` when missing.
    ///
    /// `spans[i]` belongs to `keys[i]` of ``init(keys:)``. When a key repeats in a line, the last occurrence
    /// wins (as Python's json and Jackson do). All entries are `.absent` after a line that is not an object.
    private(set) var spans: [JSONFieldSpan]

    /// Creates a scanner that finds the values of `keys`, a fixed list of top-level keys, in that order.
    ///
    /// Keys are compared after unescaping. A key listed twice only fills its first slot.
    init(keys: [String]) {
        keyTable = KeyTable(keys: keys)
        spans = Array(repeating: .absent, count: keys.count)
    }

    /// Scans `line`, the bytes of one line without its terminating "\n", and fills ``spans``.
    ///
    /// Leading and trailing JSON whitespace (space, tab, \r, \n) is allowed. Allocates nothing.
    mutating func scan(_ line: UnsafeRawBufferPointer) -> JSONLineScanResult {
        let keyTable = keyTable
        return spans.withUnsafeMutableBufferPointer { spans in
            Self.clear(spans)
            guard let base = line.baseAddress else { return .notJSON }
            var cursor = Cursor(bytes: base.assumingMemoryBound(to: UInt8.self), end: line.count)
            let result = Self.scanDocument(&cursor, keyTable: keyTable, into: spans)
            if result != .object {
                Self.clear(spans)
            }
            return result
        }
    }

    /// Marks every span absent; the other fields of an absent span are never read.
    private static func clear(_ spans: UnsafeMutableBufferPointer<JSONFieldSpan>) {
        for slot in spans.indices {
            spans[slot].kind = .absent
        }
    }

    private static func scanDocument(
        _ cursor: inout Cursor, keyTable: KeyTable, into spans: UnsafeMutableBufferPointer<JSONFieldSpan>
    ) -> JSONLineScanResult {
        cursor.skipWhitespace()
        let isObject = cursor.peek() == ASCII.openBrace
        let isValid =
            isObject
            ? scanTopLevelObject(&cursor, keyTable: keyTable, into: spans) : cursor.skipValue(enclosingDepth: 0)
        guard isValid else { return .notJSON }
        cursor.skipWhitespace()
        guard cursor.isAtEnd else { return .notJSON }
        return isObject ? .object : .notObject
    }

    /// Scans the object under the cursor, recording wanted values as they come so that the last duplicate wins.
    private static func scanTopLevelObject(
        _ outerCursor: inout Cursor, keyTable: KeyTable, into spans: UnsafeMutableBufferPointer<JSONFieldSpan>
    ) -> Bool {
        // A local copy can live in registers through the loop; the caller's is written back once.
        var cursor = outerCursor
        defer { outerCursor = cursor }
        cursor.advance()
        cursor.skipWhitespace()
        if cursor.peek() == ASCII.closeBrace {
            cursor.advance()
            return true
        }
        while true {
            guard let member = scanMemberName(&cursor, keyTable: keyTable), let span = cursor.scanValue() else {
                return false
            }
            if case .wanted(let slot) = member {
                spans[slot] = span
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
    @inline(__always)
    private static func scanMemberName(_ cursor: inout Cursor, keyTable: KeyTable) -> Member? {
        guard cursor.peek() == ASCII.quote else { return nil }
        let start = cursor.index &+ 1
        let slot: Int?
        if cursor.end &- start >= 16, let name = keyTable.lookUpShortName(at: cursor.bytes + start) {
            cursor.index = start &+ name.count &+ 1
            slot = name.slot
        } else {
            guard let span = cursor.scanString() else { return nil }
            if span.hasEscapes {
                slot = lookUpEscapedKey(span, in: cursor, keyTable: keyTable)
            } else {
                slot = keyTable.index(of: cursor.bytes + start, count: span.end &- start)
            }
        }
        cursor.skipWhitespace()
        guard cursor.peek() == ASCII.colon else { return nil }
        cursor.advance()
        cursor.skipWhitespace()
        return slot.map { .wanted($0) } ?? .unwanted
    }

    private static func lookUpEscapedKey(_ span: Cursor.StringSpan, in cursor: Cursor, keyTable: KeyTable) -> Int? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: span.end &- span.start) { buffer in
            guard let base = buffer.baseAddress else { return nil }
            let count = cursor.unescape(span, into: base)
            return keyTable.index(of: UnsafePointer(base), count: count)
        }
    }
}
