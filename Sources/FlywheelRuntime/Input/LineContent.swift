/// One line of input as the reader hands it over.
public enum LineContent {
    /// The line's bytes without "\n"; valid only during the callback.
    case line(UnsafeRawBufferPointer)
    /// A line longer than the limit: its first bytes (for the dead letter's raw text) and length.
    case oversized(prefix: [UInt8], length: Int)
}
