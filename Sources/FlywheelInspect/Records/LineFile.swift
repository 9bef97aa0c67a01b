import FlywheelSignals
import Foundation

/// Reads a JSON Lines file whole and hands out its lines.
///
/// A final line without "\n" is handed out too; when it is not JSON the file was cut short (or is still
/// being written) and ``forEachLine(path:_:)`` reports it instead of failing, so the rest can be shown.
enum LineFile {
    /// What a read found besides the lines it handed out.
    struct Outcome: Equatable {
        var lines = 0
        /// The 1-based number of a last line that was cut short, if any.
        var truncatedLine: Int?
    }

    /// Calls `body` with each non-blank line and its 1-based number. `body` returns false for a line it
    /// could not read, which is an error unless it is the last line and has no "\n" (then truncated).
    static func forEachLine(
        path: String, _ body: (UnsafeRawBufferPointer, Int) throws(InspectError) -> Bool
    ) throws(InspectError) -> Outcome {
        let data = try contents(path)
        if data.starts(with: [0x1F, 0x8B]) {
            throw InspectError(
                .badRecord, "\(path) is gzip-compressed; inspect reads plain JSONL (gunzip it first)")
        }
        var outcome = Outcome()
        var failure: InspectError?
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            do throws(InspectError) {
                outcome = try scan(bytes, path: path, body)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return outcome
    }

    /// The bytes of the file at `path` (mapped when safe); a file that cannot be read is a
    /// ``InspectError/Code/readFailed`` error giving the reason in the system's words.
    static func contents(_ path: String) throws(InspectError) -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            // The reason in the system's words ("Permission denied"), not Foundation's error domain and code.
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            let reason = descriptor < 0 ? String(cString: strerror(errno)) : "read error"
            if descriptor >= 0 { close(descriptor) }
            throw InspectError(.readFailed, "cannot read \(path): \(reason)", cause: error)
        }
    }

    private static func scan(
        _ bytes: UnsafeRawBufferPointer, path: String,
        _ body: (UnsafeRawBufferPointer, Int) throws(InspectError) -> Bool
    ) throws(InspectError) -> Outcome {
        var outcome = Outcome()
        var start = 0
        var number = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            number += 1
            let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            if !EventDecoder.isBlank(line) {
                outcome.lines += 1
                if try !body(line, number) {
                    guard end == bytes.count else {
                        throw InspectError(
                            .badRecord,
                            "\(path):\(number): not a signal record; expected one JSON object per line with a "
                                + "\"signal\" field and the fields its kind needs, as flywheel replay writes them")
                    }
                    outcome.lines -= 1
                    outcome.truncatedLine = number
                }
            }
            start = end + 1
        }
        return outcome
    }
}
