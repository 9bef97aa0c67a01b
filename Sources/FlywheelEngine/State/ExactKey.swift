/// A string key compared by its exact UTF-8 bytes (code points), not by Swift's canonical
/// equivalence: "café" written with U+00E9 and with "e" + U+0301 are two keys, as they are two
/// different JSON strings.
public struct ExactKey: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    @inlinable
    public init(_ value: String) { self.value = value }

    @inlinable
    public static func == (lhs: ExactKey, rhs: ExactKey) -> Bool { lhs.value.utf8.elementsEqual(rhs.value.utf8) }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        var copy = value
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    public var description: String { value }
}

extension String {
    /// Equality of code points (UTF-8 bytes), unlike `==`, which is canonical equivalence.
    @inlinable
    public func isExactly(_ other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
