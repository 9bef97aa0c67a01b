import FlywheelEngine

/// The position of a record in its file (CONTRACT section 6), compared field by field.
public struct OutputSortKey: Comparable, Sendable {
    public var first: Int64
    public var second: Int64
    public var text1: String
    public var text2: String

    public init(_ first: Int64, _ second: Int64 = 0, _ text1: String = "", _ text2: String = "") {
        self.first = first
        self.second = second
        self.text1 = text1
        self.text2 = text2
    }

    /// Code-point equality: canonically equivalent texts ("caf\u{E9}", "cafe\u{301}") are different keys,
    /// so that ties never fall back to arrival order (which depends on the parallelism).
    public static func == (lhs: OutputSortKey, rhs: OutputSortKey) -> Bool {
        lhs.first == rhs.first && lhs.second == rhs.second && lhs.text1.isExactly(rhs.text1)
            && lhs.text2.isExactly(rhs.text2)
    }

    public static func < (lhs: OutputSortKey, rhs: OutputSortKey) -> Bool {
        if lhs.first != rhs.first { return lhs.first < rhs.first }
        if lhs.second != rhs.second { return lhs.second < rhs.second }
        // Code-point order (UTF-8 byte order), as Python sorts strings; Swift's `<` would compare
        // canonically equivalent strings as equal.
        if !lhs.text1.utf8.elementsEqual(rhs.text1.utf8) {
            return utf8Precedes(lhs.text1, rhs.text1)
        }
        return utf8Precedes(lhs.text2, rhs.text2)
    }
}

/// One encoded output line with its kind and sort key.
public struct SignalRecord: Sendable {
    public var kind: RecordKind
    public var key: OutputSortKey
    /// The JSON line, ending in "\n".
    public var line: [UInt8]
    /// Counted in `unresolved_references` when written.
    public var isUnresolvedReference: Bool

    public init(kind: RecordKind, key: OutputSortKey, line: [UInt8], isUnresolvedReference: Bool = false) {
        self.kind = kind
        self.key = key
        self.line = line
        self.isUnresolvedReference = isUnresolvedReference
    }
}
