import FlywheelRuntime
import FlywheelSignals
import Foundation

/// Turns a replay's preference pairs or SFT examples into training files: reads, redacts PII (unless
/// `keepPII`), filters, splits, writes.
///
/// One pass in file order, so the output is a pure function of the input bytes and the options. Lines go
/// to `FILE.tmp` (and the validation file's `.tmp`), renamed into place only after the whole source has
/// been read: a failed export leaves no half-written file and keeps any previous output.
public enum ExportJob {
    /// Longest accepted source line.
    static let maxLineBytes = 64 << 20

    /// Runs the export and returns its counts. Stops at the first line that is not a JSON object or
    /// lacks a needed field, with a message naming the file and the line.
    public static func run(_ options: ExportOptions) throws(ExportError) -> ExportSummary {
        try options.validate()
        let input = try inputFile(for: options)
        try checkOutput(options, input: input)
        var summary = ExportSummary(
            format: options.format, inputPath: input, trainPath: options.outputPath,
            validationPath: options.validationPath)
        let train = try StagedFile(path: options.outputPath)
        var validation: StagedFile?
        do throws(ExportError) {
            if let path = options.validationPath { validation = try StagedFile(path: path) }
            var selector = RecordSelector(options: options)
            try forEachRecord(in: input) { (object) throws(ExportError) in
                guard let (line, conversationId) = try selector.take(object) else { return }
                if let validation, let split = options.split, splitPoint(conversationId: conversationId) >= split {
                    try validation.append(line)
                } else {
                    try train.append(line)
                }
            }
            summary.apply(selector.counts)
            summary.keptPII = options.keepPII
            summary.train = train.lines
            summary.validation = validation?.lines ?? 0
            try selector.checkSignalFound(in: input)
            try selector.checkModelsFound(in: input)
            try train.commit()
            try validation?.commit()
        } catch {
            train.discard()
            validation?.discard()
            throw error
        }
        return summary
    }

    /// Where a conversation falls in [0, 1) for `--split`: FNV-1a 64 of the id's UTF-8 bytes, mixed by the
    /// MurmurHash3 `fmix64` finalizer (FNV's high bits barely move for short ids), top 53 bits as a fraction.
    /// Conversations below the split fraction go to training. Stable across runs, processes and machines
    /// (unlike `Hasher`, which is seeded per process).
    public static func splitPoint(conversationId: String) -> Double {
        var hash = fnv1a64(conversationId)
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return Double(hash >> 11) * 0x1p-53
    }

    /// The 64-bit FNV-1a hash of the UTF-8 bytes of `text`.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The signal file to read: SRC itself, or the format's file inside a replay output folder.
    static func inputFile(for options: ExportOptions) throws(ExportError) -> String {
        let path = options.sourcePath
        if path == "-" { return path }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ExportError(
                .sourceNotFound,
                "export source not found: \(path) (expected a replay output folder or a signal .jsonl file)")
        }
        guard isDirectory.boolValue else { return path }
        let file = (path as NSString).appendingPathComponent(options.format.inputFileName)
        guard FileManager.default.fileExists(atPath: file) else {
            throw ExportError(
                .notAReplayFolder,
                "not a replay output folder: no \(options.format.inputFileName) in \(path) "
                    + "(--format \(options.format.rawValue) reads \(options.format.signal.rawValue) records)")
        }
        return file
    }

    private static func checkOutput(_ options: ExportOptions, input: String) throws(ExportError) {
        for path in [options.outputPath, options.validationPath].compactMap({ $0 }) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ExportError(.writeFailed, "cannot write \(path): it is a folder; --out names a file")
            }
            if input != "-" && (path as NSString).standardizingPath == (input as NSString).standardizingPath {
                throw ExportError(.invalidOption, "--out \(options.outputPath) would overwrite the source \(input)")
            }
        }
    }

    /// Calls `body` with each non-blank line of `path` parsed as a JSON object, in file order.
    private static func forEachRecord(
        in path: String, _ body: ([String: Any]) throws(ExportError) -> Void
    ) throws(ExportError) {
        let reader: LineReader
        do throws(ConnectorError) {
            reader = LineReader(source: try ByteSource(path: path), maxLineBytes: maxLineBytes)
        } catch {
            throw ExportError(.readFailed, error.message, cause: error)
        }
        var failure: ExportError?
        var more = true
        while more && failure == nil {
            do throws(ConnectorError) {
                more = try reader.read(maxLines: 1024) { number, content in
                    guard failure == nil else { return }
                    do throws(ExportError) {
                        guard let object = try parse(content) else { return }
                        try body(object)
                    } catch {
                        failure = ExportError(error.code, "\(path):\(number): \(error.message)", cause: error.cause)
                    }
                }
            } catch {
                throw ExportError(.readFailed, error.message, cause: error)
            }
        }
        if let failure { throw failure }
    }

    /// The line as a JSON object; nil for a blank line.
    private static func parse(_ content: LineContent) throws(ExportError) -> [String: Any]? {
        guard case .line(let bytes) = content else {
            throw ExportError(.badRecord, "line longer than \(maxLineBytes >> 20) MiB")
        }
        if EventDecoder.isBlank(bytes) { return nil }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw ExportError(.badRecord, "not valid JSON", cause: error)
        }
        guard let object = parsed as? [String: Any] else {
            throw ExportError(.badRecord, "not a JSON object")
        }
        return object
    }
}
