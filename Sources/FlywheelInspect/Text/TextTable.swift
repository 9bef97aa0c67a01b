/// A table of text cells rendered with aligned columns, two spaces apart.
///
/// The same value feeds the terminal renderer and the CSV writer, so both show the same columns.
public struct TextTable: Sendable {
    /// A column's header and alignment (numbers right, names left).
    public struct Column: Sendable {
        public var title: String
        public var alignRight: Bool

        public init(_ title: String, right: Bool = false) {
            self.title = title
            self.alignRight = right
        }
    }

    /// A cell with an optional style for the terminal.
    public struct Cell: Sendable, ExpressibleByStringLiteral {
        public var text: String
        public var style: Terminal.Style?

        public init(_ text: String, style: Terminal.Style? = nil) {
            self.text = text
            self.style = style
        }

        public init(stringLiteral value: String) { self.init(value) }
    }

    public var columns: [Column]
    public var rows: [[Cell]] = []

    public init(_ columns: [Column]) { self.columns = columns }

    /// Adds a row (as many cells as columns).
    public mutating func append(_ cells: [Cell]) { rows.append(cells) }

    /// The table as lines: a header and one line per row; the first column is cut when the table would be
    /// wider than `terminal.width`. Every line is `indent` spaces in.
    public func render(_ terminal: Terminal, indent: Int = 2) -> [String] {
        var widths = columns.map { DisplayWidth.of($0.title) }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], DisplayWidth.of(cell.text))
            }
        }
        let total = indent + widths.reduce(0, +) + 2 * max(0, widths.count - 1)
        if total > terminal.width, !widths.isEmpty {
            widths[0] = max(6, widths[0] - (total - terminal.width))
        }
        let margin = String(repeating: " ", count: indent)
        let header = columns.enumerated().map { index, column in
            DisplayWidth.pad(
                DisplayWidth.cut(column.title, to: widths[index]), to: widths[index], right: column.alignRight)
        }
        var lines = [margin + terminal.paint(header.joined(separator: "  ").trailingTrimmed, .bold)]
        for row in rows {
            let cells = row.enumerated().map { index, cell -> String in
                guard index < widths.count else { return "" }
                let text = DisplayWidth.pad(
                    DisplayWidth.cut(cell.text, to: widths[index]), to: widths[index], right: columns[index].alignRight)
                return terminal.paint(text, cell.style)
            }
            lines.append((margin + cells.joined(separator: "  ")).trailingTrimmed)
        }
        return lines
    }

    /// The table as CSV (RFC 4180): a header line, one line per row, fields quoted when needed.
    public func csv() -> String {
        var lines = [columns.map { Self.csvField($0.title) }.joined(separator: ",")]
        for row in rows { lines.append(row.map { Self.csvField($0.text) }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension String {
    var trailingTrimmed: String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
