extension ForwardSpec.Header {
    /// Headers the sink sets itself, which a pipeline cannot set (compared ignoring case).
    public static let reservedNames = [
        "Idempotency-Key", "Content-Type", "Content-Length", "Host", "Transfer-Encoding",
    ]

    /// Why `name` cannot name a header, or nil when it can: it must be an HTTP token (RFC 9110 section 5.6.2)
    /// and not one of `reservedNames`.
    public static func nameProblem(_ name: String) -> String? {
        guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
            return "bad header name \"\(name)\": use letters, digits and ! # $ % & ' * + - . ^ _ ` | ~, "
                + "e.g. Authorization or X-Api-Key"
        }
        if let reserved = reservedNames.first(where: { $0.lowercased() == name.lowercased() }) {
            return "\(reserved) is set by the forward sink itself; remove this header"
        }
        return nil
    }

    /// Why `template` cannot be a header value, or nil when it can: one line, and every `${` opens a
    /// well-formed `${env:NAME}` or `${file:PATH}`. Messages quote placeholders, never the literal text
    /// (which might hold a token written in the clear).
    public static func templateProblem(_ template: String) -> String? {
        do throws(HeaderTemplateProblem) {
            _ = try HeaderTemplatePart.parse(template)
            return nil
        } catch {
            return error.message
        }
    }

    /// The placeholders of the template, in order, e.g. `["${env:TOKEN}"]`; empty when it has none or is
    /// malformed.
    public var placeholders: [String] {
        let parts = (try? HeaderTemplatePart.parse(template)) ?? []
        return parts.compactMap { part in
            switch part {
            case .text: nil
            case .env(let name): "${env:\(name)}"
            case .file(let path): "${file:\(path)}"
            }
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"):
            true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension ForwardSpec {
    /// The headers with their placeholders replaced, in order: `${env:NAME}` by `environment[NAME]`, and
    /// `${file:PATH}` by `readFile(PATH)` (PATH as written) less its trailing `\n` or `\r\n` line ends.
    ///
    /// Pure: nothing is read but through `environment` and `readFile`. Errors (code `.unresolvedHeader`,
    /// key `headers.NAME`) name the header and the variable or file, never a value: a bad name or template,
    /// a variable that is not set or empty, a file that cannot be read or is empty, and a resolved value
    /// holding a line break or another control character (header injection).
    public func resolvedHeaders(
        environment: [String: String], readFile: (String) throws -> String
    ) throws(PipelineError) -> [(name: String, value: String)] {
        var resolved: [(name: String, value: String)] = []
        for header in headers {
            let fail = { (file: String, message: String) in
                PipelineError(code: .unresolvedHeader, message: message, file: file, key: "headers." + header.name)
            }
            if let problem = Header.nameProblem(header.name) ?? Header.templateProblem(header.template) {
                throw fail("<pipeline>", problem)
            }
            var value = ""
            for part in (try? HeaderTemplatePart.parse(header.template)) ?? [] {
                switch part {
                case .text(let text): value += text
                case .env(let name):
                    value += try Self.variable(name, header: header.name, environment: environment, fail: fail)
                case .file(let path): value += try Self.fileContent(path, header: header.name, readFile, fail: fail)
                }
            }
            resolved.append((header.name, value))
        }
        return resolved
    }

    private static func variable(
        _ name: String, header: String, environment: [String: String],
        fail: (String, String) -> PipelineError
    ) throws(PipelineError) -> String {
        let placeholder = "${env:\(name)}"
        guard let value = environment[name] else {
            throw fail(
                "<environment>",
                "environment variable \(name) is not set (header \(header) needs it for \(placeholder)); "
                    + "set it before starting flywheel")
        }
        if let problem = valueProblem(value) {
            throw fail(
                "<environment>", "environment variable \(name) (for \(placeholder) in header \(header)) \(problem)")
        }
        return value
    }

    private static func fileContent(
        _ path: String, header: String, _ readFile: (String) throws -> String,
        fail: (String, String) -> PipelineError
    ) throws(PipelineError) -> String {
        let placeholder = "${file:\(path)}"
        var content: String
        do {
            content = try readFile(path)
        } catch {
            throw fail(path, "cannot read file \(path) (header \(header) needs it for \(placeholder)): \(error)")
        }
        while content.unicodeScalars.last == "\n" {
            content.unicodeScalars.removeLast()
            if content.unicodeScalars.last == "\r" { content.unicodeScalars.removeLast() }
        }
        if let problem = valueProblem(content) {
            throw fail(path, "file \(path) (for \(placeholder) in header \(header)) \(problem)")
        }
        return content
    }

    /// Why a resolved piece cannot go into a header value, worded to follow its source; never quotes it.
    private static func valueProblem(_ value: String) -> String? {
        if value.isEmpty { return "is empty; a header needs a value" }
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            return "holds a line break (CR or LF) inside its value; refused, as it would inject headers"
        }
        if value.unicodeScalars.contains(where: HeaderTemplatePart.isForbiddenControl) {
            return "holds a control character; a header value can hold only visible characters, spaces and tabs"
        }
        return nil
    }
}

/// What a header template says is wrong with it.
struct HeaderTemplateProblem: Error {
    let message: String
}

/// A piece of a header template: literal text, `${env:NAME}` or `${file:PATH}`.
enum HeaderTemplatePart: Equatable {
    case text(String)
    case env(String)
    case file(String)

    static let syntax = "write ${env:NAME} or ${file:PATH}"

    /// The pieces of `template`; a malformed placeholder or a control character other than tab is a problem.
    static func parse(_ template: String) throws(HeaderTemplateProblem) -> [HeaderTemplatePart] {
        if template.unicodeScalars.contains(where: isForbiddenControl) {
            throw HeaderTemplateProblem(
                message: "a header value must be one line without control characters (tabs aside)")
        }
        var parts: [HeaderTemplatePart] = []
        var rest = Substring(template)
        while let open = rest.range(of: "${") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw HeaderTemplateProblem(message: "unclosed \"${\" (no \"}\" after it): \(syntax)")
            }
            parts.append(try placeholder(rest[open.upperBound..<close]))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return parts
    }

    private static func placeholder(_ body: Substring) throws(HeaderTemplateProblem) -> HeaderTemplatePart {
        let quoted = "\"${\(body)}\""
        guard let colon = body.firstIndex(of: ":") else {
            throw HeaderTemplateProblem(message: "placeholder \(quoted) names no kind: \(syntax)")
        }
        let kind = body[..<colon]
        let name = String(body[body.index(after: colon)...])
        guard kind == "env" || kind == "file" else {
            throw HeaderTemplateProblem(message: "unknown placeholder kind \"\(kind)\" in \(quoted): \(syntax)")
        }
        guard !name.isEmpty else {
            let what = kind == "env" ? "an environment variable" : "a file path"
            throw HeaderTemplateProblem(message: "placeholder \(quoted) has an empty name: give \(what)")
        }
        guard kind == "env" else { return .file(name) }
        guard isVariableName(name) else {
            throw HeaderTemplateProblem(
                message: "bad environment variable name in \(quoted): use letters, digits and _, "
                    + "not starting with a digit")
        }
        return .env(name)
    }

    private static func isVariableName(_ name: String) -> Bool {
        let isWordByte = { (byte: UInt8) in
            byte == UInt8(ascii: "_") || (byte >= 0x30 && byte <= 0x39)
                || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
        }
        return name.utf8.allSatisfy(isWordByte) && !(name.utf8.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? true)
    }

    /// A control character a header value cannot hold: C0 (tab aside), DEL and C1.
    static func isForbiddenControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }
}
