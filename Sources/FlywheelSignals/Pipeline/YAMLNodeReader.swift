import Foundation
import Yams

/// One `key: value` pair of a YAML mapping, with the dotted path of the key.
struct YAMLEntry {
    /// The key as written.
    let key: String
    /// Dotted path from the document root, e.g. `signals.model_quality.window`.
    let path: String
    /// The key's node, for its line.
    let keyNode: Node
    /// The value's node.
    let value: Node
}

/// Reads typed values out of composed YAML nodes, turning every mismatch into a `PipelineError` that names the
/// file, the line and the key path. Shared by the pipeline parser and the model catalog loader.
struct YAMLNodeReader {
    /// File named in errors.
    let file: String

    /// Composes `text` into a node tree; `nil` for an empty document. Syntax errors become `.yamlSyntax`.
    func compose(_ text: String) throws(PipelineError) -> Node? {
        do {
            guard let root = try Yams.compose(yaml: text), !isNull(root) else { return nil }
            return root
        } catch let error as YamlError {
            throw syntaxError(error, text: text)
        } catch {
            throw PipelineError(code: .yamlSyntax, message: "invalid YAML: \(error)", file: file)
        }
    }

    /// The entries of a mapping (a null value counts as an empty mapping), checking every key against `allowed`
    /// (`nil`: any key).
    func entries(of node: Node, path: String, allowed: [String]?) throws(PipelineError) -> [YAMLEntry] {
        if isNull(node) { return [] }
        guard let mapping = node.mapping else {
            throw failure(.badType, "expected a mapping, got \(describe(node))", node: node, key: path)
        }
        var result: [YAMLEntry] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw failure(.badType, "keys must be plain text, got \(describe(keyNode))", node: keyNode, key: path)
            }
            let keyPath = path.isEmpty ? key : path + "." + key
            if let allowed, !allowed.contains(key) {
                let valid = allowed.isEmpty ? "none (use {})" : allowed.joined(separator: ", ")
                let message = "unknown key \"\(key)\"; valid keys here: \(valid)"
                throw failure(.unknownKey, message, node: keyNode, key: keyPath)
            }
            result.append(YAMLEntry(key: key, path: keyPath, keyNode: keyNode, value: value))
        }
        return result
    }

    /// The text of a scalar value; a null, a mapping or a sequence is an error that says `expected`.
    func scalarText(_ entry: YAMLEntry, expected: String) throws(PipelineError) -> String {
        if isNull(entry.value) {
            throw failure(.badValue, "missing value: expected \(expected)", node: entry.keyNode, key: entry.path)
        }
        guard let scalar = entry.value.scalar else {
            let message = "expected \(expected), got \(describe(entry.value))"
            throw failure(.badType, message, node: entry.value, key: entry.path)
        }
        return scalar.string
    }

    /// A non-empty string value.
    func string(_ entry: YAMLEntry) throws(PipelineError) -> String {
        let text = try scalarText(entry, expected: "a text")
        guard !text.isEmpty else {
            throw failure(.badValue, "must not be empty", node: entry.value, key: entry.path)
        }
        return text
    }

    /// A duration in milliseconds (see `parseDuration`).
    func duration(_ entry: YAMLEntry) throws(PipelineError) -> Int64 {
        let text = try scalarText(entry, expected: "a duration such as 5s")
        guard let millis = parseDuration(text) else {
            let message = "bad duration \"\(text)\": \(durationSyntaxHint)"
            throw failure(.badDuration, message, node: entry.value, key: entry.path)
        }
        return millis
    }

    /// A duration in milliseconds that must be greater than zero.
    func positiveDuration(_ entry: YAMLEntry) throws(PipelineError) -> Int64 {
        let millis = try duration(entry)
        guard millis > 0 else {
            throw failure(.badValue, "must be greater than 0s", node: entry.value, key: entry.path)
        }
        return millis
    }

    /// A size in bytes (see `parseSize`).
    func size(_ entry: YAMLEntry) throws(PipelineError) -> Int {
        let text = try scalarText(entry, expected: "a size such as 1MiB")
        guard let bytes = parseSize(text) else {
            throw failure(.badSize, "bad size \"\(text)\": \(sizeSyntaxHint)", node: entry.value, key: entry.path)
        }
        return bytes
    }

    /// A size in bytes: as for `size`, or a plain number of bytes (`65536`).
    func byteCount(_ entry: YAMLEntry) throws(PipelineError) -> Int {
        let text = try scalarText(entry, expected: "a size such as 64MiB")
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let bytes = Int(text) else {
                throw failure(.badSize, "bad size \"\(text)\": too large", node: entry.value, key: entry.path)
            }
            return bytes
        }
        return try size(entry)
    }

    /// A whole number written as a plain (unquoted) YAML scalar.
    func integer(_ entry: YAMLEntry) throws(PipelineError) -> Int {
        let text = try scalarText(entry, expected: "a whole number")
        guard isPlain(entry.value), let value = Int(text) else {
            throw failure(
                .badValue, "expected a whole number, got \(describe(entry.value))", node: entry.value,
                key: entry.path)
        }
        return value
    }

    /// A finite number written as a plain (unquoted) YAML scalar.
    func number(_ entry: YAMLEntry) throws(PipelineError) -> Double {
        let text = try scalarText(entry, expected: "a number")
        guard isPlain(entry.value), let value = Double(text), value.isFinite else {
            throw failure(
                .badValue, "expected a number, got \(describe(entry.value))", node: entry.value,
                key: entry.path)
        }
        return value
    }

    /// An error located at `node`'s line.
    func failure(_ code: PipelineError.Code, _ message: String, node: Node?, key: String?) -> PipelineError {
        let key = key?.isEmpty == false ? key : nil
        return PipelineError(code: code, message: message, file: file, line: node?.mark?.line, key: key)
    }

    /// Whether `node` is a YAML null: an empty plain scalar, `~` or `null`.
    func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar, isPlain(node) else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private func isPlain(_ node: Node) -> Bool {
        guard let style = node.scalar?.style else { return false }
        return style == .plain || style == .any
    }

    /// A short description of a node for error messages: `"text"`, `a mapping`, `a list`.
    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return (isPlain(node) ? "" : "the quoted text ") + "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

extension YAMLNodeReader {
    /// Reads a UTF-8 text file; a missing, unreadable or non-UTF-8 file is an error with `code` naming the path.
    static func readText(path: String, code: PipelineError.Code, what: String) throws(PipelineError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PipelineError(code: code, message: "\(what) not found (no such file)", file: path)
        }
        guard !isDirectory.boolValue else {
            throw PipelineError(code: code, message: "\(what) is a folder, not a file", file: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError(code: code, message: "cannot read \(what) (permission denied?)", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError(code: code, message: "\(what) is not valid UTF-8 text", file: path)
        }
        return text
    }

    /// Turns a Yams error into a `.yamlSyntax` error on the line where the parser gave up.
    func syntaxError(_ error: YamlError, text: String) -> PipelineError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return PipelineError(
                code: .yamlSyntax, message: "invalid YAML: " + Self.explain(problem, context: context), file: file,
                line: mark.line)
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in text.utf8.prefix(offset).filter { $0 == UInt8(ascii: "\n") }.count + 1 }
            return PipelineError(code: .yamlSyntax, message: "invalid YAML: \(problem)", file: file, line: line)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            let message = "invalid YAML: duplicate key \(names) (first written here)"
            return PipelineError(code: .yamlSyntax, message: message, file: file, line: context.mark.line)
        default:
            return PipelineError(code: .yamlSyntax, message: "invalid YAML: \(error)", file: file)
        }
    }

    /// Joins libyaml's problem and context: `problem (while parsing X, line N)`, or `context, but problem`.
    private static func explain(_ problem: String, context: YamlError.Context?) -> String {
        guard let context else { return problem }
        guard context.text.hasPrefix("while") else { return "\(context.text), \(problem)" }
        return "\(problem) (\(context.text), line \(context.mark.line))"
    }
}
