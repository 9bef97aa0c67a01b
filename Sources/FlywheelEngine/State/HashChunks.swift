/// A list of 64-bit hashes kept in chunks of fixed size: appending never copies what is there, and
/// the space held stays within one chunk of what is used (a growing array holds up to twice).
struct HashChunks: Sendable {
    /// Values per chunk: 32 KiB. The first chunk grows up to it as an array does; later ones are
    /// allocated whole.
    static let chunkSize = 4096

    private(set) var chunks: [[UInt64]] = []

    @inline(__always)
    mutating func append(_ value: UInt64) {
        let last = chunks.count - 1
        if last >= 0 && chunks[last].count < Self.chunkSize {
            chunks[last].append(value)
        } else {
            var chunk: [UInt64] = []
            if last >= 0 { chunk.reserveCapacity(Self.chunkSize) }
            chunk.append(value)
            chunks.append(chunk)
        }
    }

    /// Bytes allocated for the values.
    var allocatedBytes: Int { chunks.reduce(0) { $0 + $1.capacity * MemoryLayout<UInt64>.stride } }
}
