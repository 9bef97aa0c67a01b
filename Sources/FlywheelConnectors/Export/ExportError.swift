/// An error of `flywheel export`: a bad option, a missing or malformed source, or output that cannot be
/// written. The message is complete for the user (it names the flag, or the file and line).
public struct ExportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable machine-readable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
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
        /// The source could not be read.
        public static let readFailed = Code(raw: "read_failed")
        /// The output could not be created, written or renamed into place.
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
