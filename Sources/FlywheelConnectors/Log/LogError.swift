/// An error of the embedded log: a missing or existing topic, a bad name or setting, a file that cannot be
/// read or written, or a data file that is damaged where damage cannot be repaired (not at the tail).
///
/// The message is complete for the user: it names the topic, the folder or the file.
public struct LogError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        /// No topic of that name in the data folder.
        public static let topicNotFound = Code(raw: "topic_not_found")
        /// A topic of that name already exists.
        public static let topicExists = Code(raw: "topic_exists")
        /// A topic name, partition number, offset or setting is not acceptable.
        public static let invalidArgument = Code(raw: "invalid_argument")
        /// Another process writes the partition (its lock file is held).
        public static let partitionLocked = Code(raw: "partition_locked")
        /// The offset is before the log start (deleted by retention) or past the end.
        public static let offsetOutOfRange = Code(raw: "offset_out_of_range")
        /// A segment or metadata file is damaged before its tail; the log cannot repair it safely.
        public static let corrupt = Code(raw: "corrupt")
        /// A file could not be read.
        public static let readFailed = Code(raw: "read_failed")
        /// A file could not be created, written, synced, truncated or removed.
        public static let writeFailed = Code(raw: "write_failed")
        public var description: String { raw }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?
    /// Where the error was raised (`file:line` of the source code).
    public var location: String

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    public var description: String { message }
}
