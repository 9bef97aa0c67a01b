import Foundation

/// How text output is laid out: the width to fit and whether ANSI colours may be used.
public struct Terminal: Sendable, Equatable {
    /// Columns to fit tables and cut texts to (at least 40).
    public var width: Int
    /// Whether to colour output: only on a terminal, and never when `NO_COLOR` is set.
    public var colors: Bool
    /// Whether lines of unbounded length (`--follow`'s records) are cut to ``width``: on a terminal, or when
    /// `COLUMNS` asks for a width; not when the output goes to a pipe or a file.
    public var cutsLines: Bool

    public init(width: Int = 80, colors: Bool = false, cutsLines: Bool = true) {
        self.width = max(40, width)
        self.colors = colors
        self.cutsLines = cutsLines
    }

    /// The standard output's terminal: its width (`COLUMNS`, else the tty's, else 80), colours when it is a
    /// terminal and `NO_COLOR` is not set, and cut lines on a terminal or when `COLUMNS` is set.
    public static func standardOutput(environment: [String: String] = ProcessInfo.processInfo.environment) -> Terminal {
        let isTTY = isatty(STDOUT_FILENO) == 1
        var width = Int(environment["COLUMNS"] ?? "") ?? 0
        if width == 0 && isTTY {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 { width = Int(size.ws_col) }
        }
        let columns = Int(environment["COLUMNS"] ?? "") ?? 0
        return Terminal(
            width: width > 0 ? width : 80, colors: isTTY && environment["NO_COLOR"] == nil,
            cutsLines: isTTY || columns > 0)
    }

    /// A note wrapped at spaces to the terminal width, every line two spaces in and dimmed.
    public func wrap(_ text: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && DisplayWidth.of(line) + 1 + DisplayWidth.of(String(word)) > width - 2 {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.map { paint("  " + $0, .dim) }
    }

    /// Text styles used by the renderers.
    public enum Style: String, Sendable {
        case bold = "1"
        case dim = "2"
        case red = "31"
        case green = "32"
        case yellow = "33"
    }

    /// `text` wrapped in the style's escape codes when colours are on.
    public func paint(_ text: String, _ style: Style?) -> String {
        guard colors, let style, !text.isEmpty else { return text }
        return "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m"
    }
}

/// Display widths of text in a monospaced terminal.
enum DisplayWidth {
    /// Columns `scalar` takes: 0 for combining marks and zero-width characters, 2 for wide East Asian
    /// characters and emoji, 1 otherwise.
    static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        switch v {
        case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F, 0x20D0...0x20FF: return 0
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
            0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default: return 1
        }
    }

    static func of(_ text: String) -> Int { text.unicodeScalars.reduce(0) { $0 + of($1) } }

    /// `text` on one line (newlines and tabs shown as spaces) cut to `width` columns, ending in "…" when cut.
    static func cut(_ text: String, to width: Int) -> String {
        let flat = text.map { $0.isNewline || $0 == "\t" ? " " : String($0) }.joined()
        guard of(flat) > width else { return flat }
        var result = ""
        var used = 0
        for character in flat {
            let w = of(String(character))
            if used + w > width - 1 { break }
            result.append(character)
            used += w
        }
        return result + "…"
    }

    /// `text` padded with spaces to `width` columns, on the left (`right` alignment) or the right.
    static func pad(_ text: String, to width: Int, right: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, width - of(text)))
        return right ? fill + text : text + fill
    }
}
