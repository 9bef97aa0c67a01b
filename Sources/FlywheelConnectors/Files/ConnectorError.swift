/// An error at the boundary of a connector: opening, reading or writing files.
public struct ConnectorError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        public static let inputNotFound = Code(raw: "input_not_found")
        public static let inputIsDirectory = Code(raw: "input_is_directory")
        public static let readFailed = Code(raw: "read_failed")
        public static let outputNotEmpty = Code(raw: "output_not_empty")
        public static let writeFailed = Code(raw: "write_failed")
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
