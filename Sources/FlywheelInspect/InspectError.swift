/// An error of `flywheel inspect` or `flywheel report`: a bad option, a source that is missing or not what
/// was expected, a record that cannot be read, or a report that cannot be written. The message is complete
/// for the user: it says what was expected (e.g. "not a replay output folder: no summary.json in out/").
public struct InspectError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        /// A flag value or combination of flags that cannot work (exit code 64 at the command line).
        public static let invalidOption = Code(raw: "invalid_option")
        /// The source file, folder or topic does not exist.
        public static let sourceNotFound = Code(raw: "source_not_found")
        /// The source topic exists but holds no records (yet).
        public static let emptyTopic = Code(raw: "empty_topic")
        /// The source is a folder without `summary.json` and without the kind folders of a live folder sink.
        public static let notAReplayFolder = Code(raw: "not_a_replay_folder")
        /// The source folder holds both a replay output's files and a live folder sink's kind folders.
        public static let mixedFolder = Code(raw: "mixed_folder")
        /// The source is a live folder sink without committed files (yet).
        public static let emptyLiveFolder = Code(raw: "empty_live_folder")
        /// A line is not a JSON object, or lacks a field its signal needs.
        public static let badRecord = Code(raw: "bad_record")
        /// The source could not be read.
        public static let readFailed = Code(raw: "read_failed")
        /// The report could not be written.
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
