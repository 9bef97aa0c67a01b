import Foundation

/// The bearer tokens of the service: ingest tokens (`POST /v1/events`, the OTLP endpoints, `/v1/admin/...`) and
/// read tokens (every `GET`). A token listed in both grants both. With no token at all, authentication is off.
///
/// Tokens are compared in constant time: every configured token is compared in full, whatever the presented
/// one, and the result depends on no early exit, so the time taken tells nothing of how much of a token matched.
public struct AccessTokens: Sendable, Equatable {
    public private(set) var ingest: [[UInt8]] = []
    public private(set) var read: [[UInt8]] = []

    /// The shortest token taken: shorter ones are guessable.
    public static let minimumLength = 16

    public init() {}

    /// Tokens of each class; each must pass `check(_:)`.
    public init(ingest: [String], read: [String]) {
        self.ingest = ingest.map { Array($0.utf8) }
        self.read = read.map { Array($0.utf8) }
    }

    /// Whether any token is configured (then every endpoint but the probes needs one).
    public var isEnabled: Bool { !ingest.isEmpty || !read.isEmpty }

    /// What a presented token grants.
    public struct Grant: Sendable, Equatable {
        public var ingest: Bool
        public var read: Bool

        public init(ingest: Bool, read: Bool) {
            self.ingest = ingest
            self.read = read
        }

        /// Whether the token grants the class `rule` asks for.
        public func allows(_ rule: AccessRule) -> Bool {
            switch rule {
            case .none: true
            case .ingest: ingest
            case .read: read
            }
        }
    }

    /// What `token` grants (neither class for an unknown token), in time that depends only on the configured
    /// tokens' lengths and the presented token's length.
    public func grant(for token: some Collection<UInt8>) -> Grant {
        let presented = Array(token)
        return Grant(ingest: Self.anyMatches(ingest, presented), read: Self.anyMatches(read, presented))
    }

    private static func anyMatches(_ tokens: [[UInt8]], _ presented: [UInt8]) -> Bool {
        var matched: UInt8 = 0
        for token in tokens { matched |= constantTimeEquals(token, presented) ? 1 : 0 }
        return matched != 0
    }

    /// Whether `expected == presented`, comparing every byte of `expected` whatever the lengths.
    static func constantTimeEquals(_ expected: [UInt8], _ presented: [UInt8]) -> Bool {
        var difference: UInt = expected.count == presented.count ? 0 : 1
        let count = presented.count
        for index in expected.indices {
            let other = count == 0 ? 0 : presented[index % count]
            difference |= UInt(expected[index] ^ other)
        }
        return difference == 0
    }

    /// Why `token` cannot be a bearer token (nil: it can): at least `minimumLength` characters of RFC 6750's
    /// `b64token` alphabet (letters, digits, `-._~+/`, trailing `=`).
    public static func check(_ token: String) -> String? {
        guard token.utf8.count >= minimumLength else {
            return "a token has fewer than \(minimumLength) characters (make one with: openssl rand -hex 32)"
        }
        let body = token.utf8.reversed().drop { $0 == UInt8(ascii: "=") }
        guard !body.isEmpty, body.allSatisfy(isTokenCharacter) else {
            return "a token holds a character a bearer token cannot (letters, digits, - . _ ~ + / and trailing =)"
        }
        return nil
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
            UInt8(ascii: "/"):
            true
        default: false
        }
    }

    /// The tokens of a comma-separated environment value (spaces around each trimmed, empty items skipped).
    /// An error names `variable`, never a token.
    public static func parseList(_ text: String, variable: String) throws(ServiceError) -> [String] {
        let tokens = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        guard !tokens.isEmpty else {
            throw ServiceError(
                .invalidOption, "\(variable) is set but holds no token: give tokens separated by commas, or unset it")
        }
        for (number, token) in tokens.enumerated() {
            if let problem = check(token) {
                throw ServiceError(.invalidOption, "\(variable), token \(number + 1): \(problem)")
            }
        }
        return tokens
    }

    /// The tokens of a token file: one per line, surrounding spaces trimmed, blank lines and lines starting with
    /// `#` ignored. A file that cannot be read or holds no token is an error naming `source` (the flag or key).
    public static func readFile(_ path: String, source: String) throws(ServiceError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ServiceError(.invalidOption, "\(source): the token file \(path) does not exist")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw ServiceError(
                .invalidOption,
                "\(source): cannot read the token file \(path) ("
                    + (isDirectory.boolValue ? "a folder" : "permission denied?") + ")")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ServiceError(.invalidOption, "\(source): the token file \(path) is not UTF-8 text")
        }
        var tokens: [String] = []
        // "\r\n" is one Character: split on both.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (number, line) in lines.enumerated() {
            let token = line.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            if token.isEmpty || token.hasPrefix("#") { continue }
            if let problem = check(token) {
                throw ServiceError(.invalidOption, "\(source): \(path):\(number + 1): \(problem)")
            }
            tokens.append(token)
        }
        guard !tokens.isEmpty else {
            throw ServiceError(
                .invalidOption,
                "\(source): the token file \(path) holds no token (one per line; blank lines and # comments are "
                    + "ignored)")
        }
        return tokens
    }
}
