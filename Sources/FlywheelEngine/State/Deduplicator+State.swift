extension Deduplicator: StateCodable {
    /// The first value of format 2's encoding. Format 1 began with the time-to-live, always positive,
    /// and kept each id's text; format 2 keeps fingerprints.
    static let fingerprintFormat: Int64 = -2

    /// Format 2: the tag, the time-to-live, then each remembered (fingerprint, first time) sorted by
    /// time then fingerprint, so that equal states give equal bytes.
    public func encode(to writer: inout StateWriter) {
        writer.write(Self.fingerprintFormat)
        writer.write(ttlMs)
        writer.write(entries()) { writer, entry in
            writer.write(entry.fingerprint.high)
            writer.write(entry.fingerprint.low)
            writer.write(entry.time)
        }
    }

    /// Reads format 2, or format 1 (ids as text, from checkpoints of earlier versions), whose ids are
    /// fingerprinted as they are restored.
    public init(from reader: inout StateReader) throws(CheckpointError) {
        let first = try reader.readInt64()
        if first > 0 {
            let count = try reader.readCount()
            self.init(ttlMs: first, capacity: count)
            for _ in 0..<count { restore(id: try reader.readString(), time: try reader.readInt64()) }
        } else if first == Self.fingerprintFormat {
            let ttlMs = try reader.readInt64()
            let count = try reader.readCount()
            self.init(ttlMs: ttlMs, capacity: count)
            for _ in 0..<count {
                let fingerprint = IDFingerprint(high: try reader.readUInt64(), low: try reader.readUInt64())
                restore(fingerprint, time: try reader.readInt64())
            }
        } else {
            throw CheckpointError(
                .versionMismatch, "de-dup state in format \(-first); this build reads formats 1 and 2")
        }
    }
}
