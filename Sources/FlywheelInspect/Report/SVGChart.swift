import Foundation

/// Draws stacked line panels sharing one time axis into an inline SVG (no scripts, no external resources).
struct SVGChart {
    /// One line of a panel: values at x positions in [0, 1]; nil breaks the line.
    struct Line {
        var label: String
        var color: String
        var dash: String?
        var points: [(x: Double, y: Double?)]
    }

    /// One panel: a title, a y-axis formatter, lines.
    struct Panel {
        var title: String
        var unit: (Double) -> String
        var lines: [Line]
        var fixedMax: Double?
    }

    static let width = 1040.0
    static let panelHeight = 150.0
    static let left = 64.0
    static let right = 16.0
    static let gap = 54.0

    var panels: [Panel]
    /// X positions in [0, 1] of alert markers with their tooltips.
    var markers: [(x: Double, label: String)]
    /// (x position, label) ticks of the time axis.
    var timeTicks: [(x: Double, label: String)]
    var title: String

    func render() -> String {
        let height = Double(panels.count) * (Self.panelHeight + Self.gap) + 24
        var svg = [
            "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\" "
                + "role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        ]
        for (index, panel) in panels.enumerated() {
            svg.append(renderPanel(panel, top: 30 + Double(index) * (Self.panelHeight + Self.gap)))
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }

    func renderPanel(_ panel: Panel, top: Double) -> String {
        let plotWidth = Self.width - Self.left - Self.right
        let values = panel.lines.flatMap { $0.points.compactMap(\.y) }
        let maxValue = panel.fixedMax ?? Self.niceCeiling(values.max() ?? 1)
        // Values outside 0...maxValue (a hostile record's negative or huge numbers) are drawn at the panel's edge.
        let y = { (value: Double) in top + Self.panelHeight * (1 - min(max(value, 0), maxValue) / maxValue) }
        let x = { (position: Double) in Self.left + plotWidth * position }
        var out = ["<g class=\"panel\">"]
        out.append(
            "<text class=\"panel-title\" x=\"\(Self.left)\" y=\"\(f(top - 14))\">\(HTML.escape(panel.title))</text>")
        for step in 0...4 {
            let value = maxValue * Double(step) / 4
            out.append(
                "<line class=\"grid\" x1=\"\(f(Self.left))\" x2=\"\(f(Self.width - Self.right))\" y1=\"\(f(y(value)))\" "
                    + "y2=\"\(f(y(value)))\"/>"
                    + "<text class=\"tick\" x=\"\(f(Self.left - 6))\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\">"
                    + "\(HTML.escape(panel.unit(value)))</text>")
        }
        for tick in timeTicks {
            out.append(
                "<text class=\"tick\" x=\"\(f(x(tick.x)))\" y=\"\(f(top + Self.panelHeight + 16))\" "
                    + "text-anchor=\"middle\">\(HTML.escape(tick.label))</text>")
        }
        for marker in markers {
            out.append(
                "<line class=\"alert\" x1=\"\(f(x(marker.x)))\" x2=\"\(f(x(marker.x)))\" y1=\"\(f(top))\" "
                    + "y2=\"\(f(top + Self.panelHeight))\"><title>\(HTML.escape(marker.label))</title></line>")
        }
        for line in panel.lines { out.append(renderLine(line, x: x, y: y)) }
        out.append("</g>")
        return out.joined(separator: "\n")
    }

    func renderLine(_ line: Line, x: (Double) -> Double, y: (Double) -> Double) -> String {
        var path = ""
        var drawing = false
        var dots = ""
        let sparse = line.points.filter { $0.y != nil }.count <= 40
        for point in line.points {
            guard let value = point.y else {
                drawing = false
                continue
            }
            path += "\(drawing ? "L" : "M")\(f(x(point.x))),\(f(y(value))) "
            drawing = true
            if sparse {
                dots += "<circle cx=\"\(f(x(point.x)))\" cy=\"\(f(y(value)))\" r=\"2.5\" fill=\"\(line.color)\"/>"
            }
        }
        let dash = line.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        return "<g><title>\(HTML.escape(line.label))</title><path d=\"\(path)\" fill=\"none\" stroke=\"\(line.color)\" "
            + "stroke-width=\"2\"\(dash) stroke-linejoin=\"round\"/>\(dots)</g>"
    }

    /// 1, 2, 2.5 or 5 times a power of ten at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let power = pow(10, floor(log10(value)))
        for factor in [1, 2, 2.5, 5, 10] where factor * power >= value { return factor * power }
        return 10 * power
    }

    func f(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// HTML text escaping.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
