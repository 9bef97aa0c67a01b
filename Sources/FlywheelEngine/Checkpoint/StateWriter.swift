/// Appends operator state to a byte buffer in a compact little-endian binary form.
///
/// Checkpoints are written with it; `StateReader` reads them back. Integers are fixed-width,
/// strings and collections are length-prefixed, so a reader can detect truncation.
public struct StateWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    public mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ value: Int64) { write(UInt64(bitPattern: value)) }
    public mutating func write(_ value: Int) { write(Int64(value)) }
    /// High 64 bits, then low 64 bits.
    public mutating func write(_ value: Int128) {
        write(UInt64(truncatingIfNeeded: value >> 64))
        write(UInt64(truncatingIfNeeded: value))
    }
    public mutating func write(_ value: Double) { write(value.bitPattern) }
    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }
    public mutating func write(_ value: UInt8) { bytes.append(value) }
    public mutating func write(_ value: EventTime) { write(value.millis) }

    public mutating func write(_ value: String) {
        // In place for native strings (no copy of the string, so no retain of its storage).
        if value.utf8.withContiguousStorageIfAvailable({ write(utf8: $0) }) != nil { return }
        var copy = value
        copy.withUTF8 { write(utf8: $0) }
    }

    private mutating func write(utf8: UnsafeBufferPointer<UInt8>) {
        write(utf8.count)
        bytes.append(contentsOf: utf8)
    }

    public mutating func write(_ value: String?) {
        write(value != nil)
        if let value { write(value) }
    }

    public mutating func write(_ value: Window) {
        write(value.start)
        write(value.end)
    }

    /// Writes a count, then each element with `body`.
    public mutating func write<C: Collection>(_ elements: C, _ body: (inout StateWriter, C.Element) -> Void) {
        write(elements.count)
        for element in elements { body(&self, element) }
    }

    /// Writes a count, then each element with `body`, borrowing the elements in place: iterating an array
    /// copies each element (a retain and release per string or array it holds).
    public mutating func write<T>(_ elements: [T], _ body: (inout StateWriter, borrowing T) -> Void) {
        write(elements.count)
        elements.withUnsafeBufferPointer { elements in
            for index in elements.indices { body(&self, elements[index]) }
        }
    }

    public mutating func write<T: StateCodable>(_ value: T) { value.encode(to: &self) }

    public mutating func write(bytes raw: [UInt8]) {
        write(raw.count)
        bytes.append(contentsOf: raw)
    }
}

/// A value that can be written to and read back from a checkpoint.
public protocol StateCodable {
    func encode(to writer: inout StateWriter)
    init(from reader: inout StateReader) throws(CheckpointError)
}
