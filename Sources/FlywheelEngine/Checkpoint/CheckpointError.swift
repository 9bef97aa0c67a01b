/// An error reading or writing checkpoints: a growable code, a message, and where it was raised.
public struct CheckpointError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        public static let corrupt = Code(raw: "corrupt")
        public static let versionMismatch = Code(raw: "version_mismatch")
        public static let io = Code(raw: "io")
        public static let incompatible = Code(raw: "incompatible")
        public var description: String { raw }
    }

    public var code: Code
    public var message: String
    public var location: String

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.location = "\(file):\(line)"
    }

    public var description: String { message }
}
