/// An error in a pipeline file or a model catalog: what is wrong, in which file, on which line and under which key.
///
/// The program stops on such an error before anything runs; `description` is the message to show the user,
/// e.g. `pipeline.yaml:4: time.dedup_ttl: bad duration "5 parsecs": expected a number with a unit ...`.
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of problem. New codes may be added; switch over them with a `default` case.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String

        private init(_ name: String) {
            self.name = name
        }

        /// A key that the pipeline format does not know (typo or wrong section).
        public static let unknownKey = Code("unknown_key")
        /// A duration that is not a whole number with a unit ms, s, m, h or d.
        public static let badDuration = Code("bad_duration")
        /// A size that is not a whole number with a unit B, KiB, MiB or GiB.
        public static let badSize = Code("bad_size")
        /// A well-formed value outside its allowed range, or a missing value.
        public static let badValue = Code("bad_value")
        /// A value of the wrong shape: a scalar where a mapping is expected, or the reverse.
        public static let badType = Code("bad_type")
        /// A pipeline file that is missing or cannot be read.
        public static let fileUnreadable = Code("file_unreadable")
        /// Text that is not valid YAML (including duplicate keys and several documents).
        public static let yamlSyntax = Code("yaml_syntax")
        /// Any problem with a model catalog file: missing, bad YAML, or a bad entry.
        public static let catalog = Code("catalog")
        /// A forward sink's header that cannot be sent: a `${env:NAME}` not set or empty, a `${file:PATH}`
        /// unreadable or empty, or a resolved value holding a line break (see `ForwardSpec.resolvedHeaders`).
        public static let unresolvedHeader = Code("unresolved_header")

        /// The code's snake_case name, e.g. `unknown_key`.
        public var description: String { name }
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong and what would be right, without the file, line or key.
    public var message: String
    /// The file the problem is in (`<pipeline>` for text parsed without a path).
    public var file: String
    /// 1-based line of the key or value that is wrong, when known.
    public var line: Int?
    /// Dotted path of the key concerned, e.g. `time.dedup_ttl`, when there is one.
    public var key: String?

    /// Creates an error; `line` is 1-based.
    public init(code: Code, message: String, file: String, line: Int? = nil, key: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.key = key
    }

    /// `file:line: key: message`, leaving out the line or key when unknown.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
        }
        text += ": "
        if let key {
            text += key + ": "
        }
        return text + message
    }
}
