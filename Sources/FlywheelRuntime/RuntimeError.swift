/// The one error of FlywheelRuntime: a source, sink or checkpoint failed, or a job cannot start.
/// A growable `code`, a `message` complete for the user (it names the source, sink, file or key),
/// an optional `cause`, and where it was raised (as in swift-nio's `FileSystemError`).
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        /// A source could not be opened or read.
        public static let sourceFailed = Code(raw: "source_failed")
        /// A sink could not be opened, written, committed or restored.
        public static let sinkFailed = Code(raw: "sink_failed")
        /// A checkpoint could not be written, or the one to resume from is unusable.
        public static let checkpointFailed = Code(raw: "checkpoint_failed")
        /// The checkpoint belongs to another job (other sources, sinks or pipeline).
        public static let checkpointMismatch = Code(raw: "checkpoint_mismatch")
        /// A stop was requested (SIGINT, SIGTERM) where the job cannot stop cleanly (a replay).
        public static let interrupted = Code(raw: "interrupted")
        /// A setting that cannot work (a bad pipeline key or flag value).
        public static let invalidOption = Code(raw: "invalid_option")
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
