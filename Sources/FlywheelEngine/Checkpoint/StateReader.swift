/// Reads what `StateWriter` wrote. Every read checks bounds and throws `CheckpointError` on
/// truncated or inconsistent data instead of trapping.
public struct StateReader {
    private let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    public var isAtEnd: Bool { offset == bytes.count }

    public mutating func readUInt64() throws(CheckpointError) -> UInt64 {
        guard offset + 8 <= bytes.count else { throw CheckpointError(.corrupt, "state ends early at byte \(offset)") }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return value
    }

    public mutating func readInt64() throws(CheckpointError) -> Int64 { Int64(bitPattern: try readUInt64()) }

    public mutating func readInt() throws(CheckpointError) -> Int { Int(try readInt64()) }

    public mutating func readInt128() throws(CheckpointError) -> Int128 {
        let high = Int128(Int64(bitPattern: try readUInt64()))
        return high << 64 | Int128(try readUInt64())
    }

    /// A count of elements to follow, checked against the bytes left (each element is at least one byte).
    public mutating func readCount() throws(CheckpointError) -> Int {
        let count = try readInt()
        guard count >= 0 && count <= bytes.count - offset else {
            throw CheckpointError(.corrupt, "impossible element count \(count) at byte \(offset)")
        }
        return count
    }

    public mutating func readDouble() throws(CheckpointError) -> Double { Double(bitPattern: try readUInt64()) }

    public mutating func readByte() throws(CheckpointError) -> UInt8 {
        guard offset < bytes.count else { throw CheckpointError(.corrupt, "state ends early at byte \(offset)") }
        offset += 1
        return bytes[offset - 1]
    }

    public mutating func readBool() throws(CheckpointError) -> Bool { try readByte() != 0 }

    public mutating func readTime() throws(CheckpointError) -> EventTime { EventTime(millis: try readInt64()) }

    public mutating func readWindow() throws(CheckpointError) -> Window {
        Window(start: try readTime(), end: try readTime())
    }

    public mutating func readString() throws(CheckpointError) -> String {
        let count = try readCount()
        defer { offset += count }
        return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
    }

    public mutating func readOptionalString() throws(CheckpointError) -> String? {
        try readBool() ? try readString() : nil
    }

    public mutating func readBytes() throws(CheckpointError) -> [UInt8] {
        let count = try readCount()
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    public mutating func read<T: StateCodable>(_ type: T.Type = T.self) throws(CheckpointError) -> T {
        try T(from: &self)
    }

    /// Reads a count, then that many elements with `body`.
    public mutating func readArray<T>(_ body: (inout StateReader) throws(CheckpointError) -> T) throws(CheckpointError)
        -> [T]
    {
        let count = try readCount()
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try body(&self)) }
        return result
    }
}
