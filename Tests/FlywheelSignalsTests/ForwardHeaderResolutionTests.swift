import Testing

@testable import FlywheelSignals

/// `ForwardSpec.resolvedHeaders`: placeholders replaced from the environment and files given to it, and every
/// failure named (header, variable or file) without the value.
struct ForwardHeaderResolutionTests {
    struct Unreadable: Error, CustomStringConvertible {
        var description: String { "permission denied" }
    }

    private static func spec(_ headers: [(String, String)]) -> ForwardSpec {
        ForwardSpec(url: "http://h/", headers: headers.map { ForwardSpec.Header(name: $0.0, template: $0.1) })
    }

    private static func resolve(
        _ headers: [(String, String)], environment: [String: String] = [:], files: [String: String] = [:]
    ) throws(PipelineError) -> [String] {
        try spec(headers).resolvedHeaders(environment: environment) { path in
            guard let content = files[path] else { throw Unreadable() }
            return content
        }.map { "\($0.name): \($0.value)" }
    }

    private static func failure(
        _ headers: [(String, String)], environment: [String: String] = [:], files: [String: String] = [:]
    ) throws -> PipelineError {
        try #require(throws: PipelineError.self) {
            _ = try resolve(headers, environment: environment, files: files)
        }
    }

    @Test func placeholdersAreReplacedInOrderAndTextIsKept() throws {
        let resolved = try Self.resolve(
            [
                ("Authorization", "Bearer ${env:TOKEN}"), ("X-Key", "${file:/run/key}"),
                ("X-Both", "${env:A}:${file:rel/b}${env:A}"), ("X-Plain", "cost $5 {x} $ {y}\tz"),
            ],
            environment: ["TOKEN": "t0k", "A": "a", "UNUSED": "u"], files: ["/run/key": "k3y", "rel/b": "b"])
        #expect(
            resolved == ["Authorization: Bearer t0k", "X-Key: k3y", "X-Both: a:ba", "X-Plain: cost $5 {x} $ {y}\tz"])
    }

    @Test(arguments: [
        ("k3y\n", "k3y"), ("k3y\r\n", "k3y"), ("k3y\n\n", "k3y"), ("k3y\r\n\r\n\n", "k3y"), ("k 3\ty", "k 3\ty"),
    ])
    func fileContentLosesItsTrailingLineEnds(content: String, value: String) throws {
        #expect(try Self.resolve([("X-Key", "${file:k}")], files: ["k": content]) == ["X-Key: \(value)"])
    }

    @Test func noHeadersNeedNothing() throws {
        let spec = ForwardSpec(url: "http://h/")
        let resolved = try spec.resolvedHeaders(environment: [:]) { _ in
            Issue.record("no file should be read")
            return ""
        }
        #expect(resolved.isEmpty)
    }

    @Test func unsetVariableIsNamedWithItsHeader() throws {
        let error = try Self.failure([("X-A", "a"), ("Authorization", "Bearer ${env:TRAINER_TOKEN}")])
        #expect(error.code == .unresolvedHeader)
        #expect(error.key == "headers.Authorization")
        #expect(error.file == "<environment>")
        #expect(
            error.message
                == "environment variable TRAINER_TOKEN is not set (header Authorization needs it for "
                + "${env:TRAINER_TOKEN}); set it before starting flywheel")
    }

    @Test func unreadableFileIsNamedWithItsHeader() throws {
        let error = try Self.failure([("X-Key", "${file:/run/secrets/key}")])
        #expect(error.code == .unresolvedHeader)
        #expect(error.key == "headers.X-Key")
        #expect(error.file == "/run/secrets/key")
        #expect(
            error.message
                == "cannot read file /run/secrets/key (header X-Key needs it for ${file:/run/secrets/key}): "
                + "permission denied")
    }

    /// A value that cannot be sent: the error names the variable or file, and never holds the value.
    @Test(arguments: [
        ("${env:T}", "is empty"), ("${file:f}", "is empty"),
        ("x${env:N}", "holds a line break (CR or LF) inside its value"),
        ("${file:N}", "holds a line break (CR or LF) inside its value"),
        ("${env:R}", "holds a line break"), ("${file:R}", "holds a line break"),
        ("${env:C}", "holds a control character"), ("${file:C}", "holds a control character"),
    ])
    func valuesThatCannotBeSentAreRefusedWithoutQuotingThem(template: String, phrase: String) throws {
        let secret = "s3cr3t"
        let environment = ["T": "", "N": "\(secret)\nX-Evil: 1", "R": "\(secret)\r", "C": "\(secret)\u{7}"]
        let files = ["f": "\n", "N": "\(secret)\r\nX-Evil: 1\n", "R": "\(secret)\r\r\n", "C": "\(secret)\u{0}"]
        let error = try Self.failure([("X-Key", template)], environment: environment, files: files)
        #expect(error.code == .unresolvedHeader)
        #expect(error.key == "headers.X-Key")
        #expect(error.message.contains(phrase), "\(error)")
        #expect(error.message.contains("header X-Key"), "\(error)")
        #expect(error.message.contains(template.contains("env") ? "environment variable" : "file "), "\(error)")
        #expect(!error.description.contains(secret), "\(error)")
    }

    @Test(arguments: [
        ("X Key", "${env:A}", "bad header name \"X Key\""), ("Host", "h", "Host is set by the forward sink itself"),
        ("transfer-encoding", "chunked", "Transfer-Encoding is set by"), ("A", "${env:A", "unclosed \"${\""),
        ("A", "${secret:A}", "unknown placeholder kind \"secret\""), ("A", "${env:}", "has an empty name"),
        ("A", "a\nb", "must be one line"),
    ])
    func headersBuiltInCodeAreCheckedAsTheParserChecksThem(name: String, template: String, phrase: String) throws {
        let error = try Self.failure([(name, template)], environment: ["A": "a"])
        #expect(error.code == .unresolvedHeader)
        #expect(error.key == "headers.\(name)")
        #expect(error.file == "<pipeline>")
        #expect(error.message.contains(phrase), "\(error)")
    }

    @Test func placeholdersAreListedForDescriptions() {
        let header = ForwardSpec.Header(name: "A", template: "x ${env:A} y ${file:/p q} $z")
        #expect(header.placeholders == ["${env:A}", "${file:/p q}"])
        #expect(ForwardSpec.Header(name: "A", template: "${env:").placeholders.isEmpty)
    }
}
