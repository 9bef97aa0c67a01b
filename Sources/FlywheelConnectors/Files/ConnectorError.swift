/// The one error of FlywheelConnectors: reading inputs, writing outputs, the embedded log, exports.
/// A growable `code`, a `message` complete for the user (it names the file, topic, flag or line), an
/// optional `cause`, and where it was raised (as in swift-nio's `FileSystemError`).
public struct ConnectorError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        public static let inputNotFound = Code(raw: "input_not_found")
        public static let inputIsDirectory = Code(raw: "input_is_directory")
        /// A file, folder or log could not be read.
        public static let readFailed = Code(raw: "read_failed")
        public static let outputNotEmpty = Code(raw: "output_not_empty")
        /// An input is one of the files the replay writes.
        public static let inputIsOutput = Code(raw: "input_is_output")
        /// A checkpoint folder does not match the replay: another job, or inputs changed since.
        public static let checkpointMismatch = Code(raw: "checkpoint_mismatch")
        /// A stop was requested (SIGINT, SIGTERM): the output is not final.
        public static let interrupted = Code(raw: "interrupted")
        /// An output could not be created, written or renamed into place.
        public static let writeFailed = Code(raw: "write_failed")
        // Embedded log.
        /// No topic of that name in the data folder.
        public static let topicNotFound = Code(raw: "topic_not_found")
        /// A topic of that name already exists.
        public static let topicExists = Code(raw: "topic_exists")
        /// A bad topic name or setting.
        public static let invalidArgument = Code(raw: "invalid_argument")
        /// Another writer holds the partition.
        public static let partitionLocked = Code(raw: "partition_locked")
        /// An offset before the log start or past its end.
        public static let offsetOutOfRange = Code(raw: "offset_out_of_range")
        /// Damaged data where damage cannot be repaired (not at the tail).
        public static let corrupt = Code(raw: "corrupt")
        // Exports.
        /// A flag value or combination of flags that cannot work (exit code 64 at the command line).
        public static let invalidOption = Code(raw: "invalid_option")
        /// The source file or folder does not exist.
        public static let sourceNotFound = Code(raw: "source_not_found")
        /// The source is a folder without the signal file the format needs.
        public static let notAReplayFolder = Code(raw: "not_a_replay_folder")
        /// The source has records, but none of the signal the format needs.
        public static let wrongSignal = Code(raw: "wrong_signal")
        /// A line is not a JSON object or lacks a needed field.
        public static let badRecord = Code(raw: "bad_record")
        public var description: String { raw }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?
    public var location: String

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    public var description: String { message }
}
