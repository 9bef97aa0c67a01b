/// An error of the service: a bad flag or environment variable, a data folder that cannot be opened, a
/// request the ingest cannot take. The HTTP status and the exit code are chosen at the edges.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        /// A flag, environment variable or configuration value that cannot work.
        public static let invalidOption = Code(raw: "invalid_option")
        /// A request body that is not what its content type says (bad gzip, not an array of objects).
        public static let malformedBody = Code(raw: "malformed_body")
        /// A body (or its decompressed form) over the size limit.
        public static let bodyTooLarge = Code(raw: "body_too_large")
        /// A content type or encoding the ingest does not take.
        public static let unsupportedMediaType = Code(raw: "unsupported_media_type")
        /// The service is stopping: the request was not taken.
        public static let shuttingDown = Code(raw: "shutting_down")
        /// The events topic could not be opened, written or synced.
        public static let appendFailed = Code(raw: "append_failed")
        /// A model catalog reload found a catalog that cannot be used; the one in force stays.
        public static let invalidCatalog = Code(raw: "invalid_catalog")
        /// A model catalog reload in a service whose pipeline names no catalog.
        public static let noCatalog = Code(raw: "no_catalog")

        public var description: String { raw }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?
    /// Where it was raised.
    public var location: String

    public init(
        _ code: Code, _ message: String, cause: (any Error & Sendable)? = nil, file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    public var description: String { message }
}
