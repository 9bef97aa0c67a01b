/// A damaged record of a partition: a whole frame with a wrong checksum, or a bad frame followed by valid ones.
///
/// Damage is not a torn tail (an incomplete last frame, or zero bytes up to the end of the file, which a crash in
/// the middle of an append leaves and an open cuts off). The record at `offset` and the records after it in the
/// same segment cannot be read; the records before it can. A writer refuses to open a partition whose newest
/// segment is damaged (appending would give new records offsets that acknowledged records hold), and readers fail
/// when they reach `offset`.
public struct LogDamage: Error, Sendable, Equatable, CustomStringConvertible {
    /// The first offset that cannot be read.
    public var offset: Int64
    /// The segment data file.
    public var path: String
    /// Where the damaged frame starts in `path`.
    public var position: Int
    /// What is wrong with it: a checksum mismatch, a bad length, an unexpected offset.
    public var reason: String
    /// The partition number within its topic, when the partition was opened as part of a topic.
    public var partition: Int?
    /// The topic name, when the partition was opened as part of a topic.
    public var topic: String?

    /// "record at offset N is damaged (FILE, byte B: REASON)", prefixed with the topic and partition when known.
    public var description: String {
        var text = "record at offset \(offset) is damaged (\(path), byte \(position): \(reason))"
        if let partition { text = "partition \(partition): " + text }
        if let topic { text = "topic '\(topic)' " + text }
        return text
    }
}
