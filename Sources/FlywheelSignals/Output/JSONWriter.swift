import FlywheelEngine

/// Writes one JSON object as UTF-8 bytes with the separators of Python's `json.dumps`
/// (`", "` and `": "`). Strings keep non-ASCII characters as UTF-8.
///
/// The writer owns a plain buffer and writes through a pointer after one capacity check per piece
/// (appending to an `Array` checks its uniqueness on every byte, which cost more than the writing).
/// It is non-copyable, so exactly one value frees that buffer; `finishLine` copies the line out once.
public struct JSONWriter: ~Copyable {
    private var buffer: UnsafeMutableBufferPointer<UInt8>
    // Invariant: buffer[..<count] is initialized, and count <= buffer.count.
    private var count = 0
    private var needsComma = false

    public init(capacity: Int = 256) {
        self.init(bareCapacity: capacity)
        appendByte(UInt8(ascii: "{"))
    }

    /// A writer that has not opened an object (for a lone string literal).
    private init(bareCapacity: Int) {
        buffer = .allocate(capacity: Swift.max(bareCapacity, 16))
    }

    deinit { buffer.deallocate() }

    /// Closes the object, appends "\n" and returns the line.
    public consuming func finishLine() -> [UInt8] {
        appendByte(UInt8(ascii: "}"))
        appendByte(UInt8(ascii: "\n"))
        return Array(UnsafeBufferPointer(rebasing: buffer[..<count]))
    }

    public mutating func key(_ name: StaticString) {
        reserve(name.utf8CodeUnitCount + 6)
        if needsComma {
            put(UInt8(ascii: ","))
            put(UInt8(ascii: " "))
        }
        needsComma = true
        put(UInt8(ascii: "\""))
        name.withUTF8Buffer { copy($0) }
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: ":"))
        put(UInt8(ascii: " "))
    }

    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { appendString(value) } else { appendNull() }
    }

    /// A string field whose value is the UTF-8 `utf8` (well-formed).
    public mutating func field(_ name: StaticString, utf8: UnsafeBufferPointer<UInt8>) {
        key(name)
        appendString(utf8: utf8)
    }

    public mutating func field(_ name: StaticString, _ value: Int64) {
        key(name)
        appendInteger(value)
    }

    public mutating func field(_ name: StaticString, _ value: Int128) {
        key(name)
        appendText(String(value))
    }

    public mutating func field(_ name: StaticString, _ value: Double?) {
        key(name)
        guard let value, value.isFinite else { return appendNull() }
        appendText(value.description)
    }

    /// Writes `time` as `EventTime.rfc3339`, straight into the buffer.
    public mutating func field(_ name: StaticString, time: EventTime) {
        key(name)
        reserve(EventTime.maxRFC3339Bytes + 2)
        put(UInt8(ascii: "\""))
        count += time.writeRFC3339(to: buffer.baseAddress! + count)
        put(UInt8(ascii: "\""))
    }

    public mutating func field(_ name: StaticString, strings: some Collection<String>) {
        key(name)
        appendByte(UInt8(ascii: "["))
        var first = true
        for string in strings {
            if !first { appendRaw(", ") }
            first = false
            appendString(string)
        }
        appendByte(UInt8(ascii: "]"))
    }

    public mutating func appendNull() { appendRaw("null") }

    /// Appends already encoded JSON text (punctuation, a literal).
    public mutating func appendRaw(_ text: StaticString) {
        text.withUTF8Buffer { appendBytes($0) }
    }

    /// Appends the decimal digits of `value`, written in place rather than through a `String`.
    public mutating func appendInteger(_ value: Int64) {
        reserve(20)
        if value < 0 { put(UInt8(ascii: "-")) }
        count += DecimalDigits.write(value.magnitude, width: 1, to: buffer.baseAddress! + count)
    }

    /// Appends `value` as a JSON string literal. Runs of bytes that need no escaping are copied
    /// at once, and found eight bytes at a time.
    public mutating func appendString(_ value: String) {
        // Read in place: `withUTF8` is mutating, and the copy it needs retained and released the string.
        if value.utf8.withContiguousStorageIfAvailable({ appendString(utf8: $0) }) != nil { return }
        var value = value
        value.withUTF8 { appendString(utf8: $0) }
    }

    /// Appends the UTF-8 bytes `bytes` (well-formed) as a JSON string literal.
    public mutating func appendString(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        // Room for the common case, no escapes; `appendBytes` and `appendEscape` check again.
        reserve(bytes.count + 2)
        put(UInt8(ascii: "\""))
        var runStart = 0
        var index = 0
        while index < bytes.count {
            if index + 8 <= bytes.count,
                !Self.mayNeedEscape(UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self))
            {
                index += 8
                continue
            }
            let byte = bytes[index]
            index += 1
            guard Self.needsEscape(byte) else { continue }
            appendBytes(UnsafeBufferPointer(rebasing: bytes[runStart..<index - 1]))
            appendEscape(byte)
            runStart = index
        }
        appendBytes(UnsafeBufferPointer(rebasing: bytes[runStart...]))
        appendByte(UInt8(ascii: "\""))
    }

    /// Appends `value` as a JSON string literal to `out`.
    public static func appendEscaped(_ value: String, to out: inout [UInt8]) {
        var writer = JSONWriter(bareCapacity: value.utf8.count + 2)
        writer.appendString(value)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: writer.buffer[..<writer.count]))
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// Whether any of the eight bytes of `word` needs escaping; never false when one does.
    ///
    /// `(x - 0x01..01 * n) & ~x & 0x80..80` is non-zero exactly when some byte of x is below n
    /// (n <= 0x80); a byte equal to c is a zero byte of `word ^ (0x01..01 * c)`.
    @inline(__always)
    private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
        let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
        let control = (word &- ones &* 0x20) & ~word
        let quoteZero = (quote &- ones) & ~quote
        let backslashZero = (backslash &- ones) & ~backslash
        return (control | quoteZero | backslashZero) & high != 0
    }

    private mutating func appendEscape(_ byte: UInt8) {
        reserve(6)
        put(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(byte)
        case 0x0A: put(UInt8(ascii: "n"))
        case 0x0D: put(UInt8(ascii: "r"))
        case 0x09: put(UInt8(ascii: "t"))
        default:
            put(UInt8(ascii: "u"))
            put(UInt8(ascii: "0"))
            put(UInt8(ascii: "0"))
            put(Self.hexDigit(byte >> 4))
            put(Self.hexDigit(byte & 0xF))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Appends the UTF-8 bytes of `text` as they are (already valid JSON).
    private mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { appendBytes($0) }
    }

    private mutating func appendByte(_ byte: UInt8) {
        reserve(1)
        put(byte)
    }

    private mutating func appendBytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        copy(bytes)
    }

    /// Makes room for `extra` more bytes, so that the next `put` and `copy` calls for at most that
    /// many bytes need no check.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > buffer.count { grow(toAtLeast: count + extra) }
    }

    private mutating func grow(toAtLeast minimum: Int) {
        let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Swift.max(minimum, buffer.count * 2))
        _ = larger.initialize(fromContentsOf: buffer[..<count])
        buffer.deallocate()
        buffer = larger
    }

    /// Writes one byte into room made by `reserve`.
    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    /// Copies `bytes` into room made by `reserve`.
    @inline(__always)
    private mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        (buffer.baseAddress! + count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }
}
