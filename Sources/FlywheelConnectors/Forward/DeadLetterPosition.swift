/// Where a dead letter is in its queue: a topic partition and offset, or a file of a dead-letter folder and
/// a line (1-based). Letters are read in this order: partition by partition, file by file (by number).
public enum DeadLetterPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    case topic(partition: Int, offset: Int64)
    /// Line `line` (from 1) of `dead-letters-<file>.jsonl`.
    case file(number: Int, line: Int64)

    /// For people: `partition 0 offset 12`, `dead-letters-3.jsonl line 7`.
    public var description: String {
        switch self {
        case .topic(let partition, let offset): "partition \(partition) offset \(offset)"
        case .file(let number, let line): "\(FolderDeadLetters.fileName(number)) line \(line)"
        }
    }

    /// The form `parse(_:topic:)` reads back (what `--from` takes): `0:12`, `dead-letters-3.jsonl:7`.
    public var argument: String {
        switch self {
        case .topic(let partition, let offset): "\(partition):\(offset)"
        case .file(let number, let line): "\(FolderDeadLetters.fileName(number)):\(line)"
        }
    }

    public static func < (left: Self, right: Self) -> Bool {
        switch (left, right) {
        case (.topic(let p1, let o1), .topic(let p2, let o2)): (p1, o1) < (p2, o2)
        case (.file(let n1, let l1), .file(let n2, let l2)): (n1, l1) < (n2, l2)
        case (.topic, .file): true
        case (.file, .topic): false
        }
    }

    /// Reads a position given as `flag`: for a topic (`topic` true) `OFFSET` (partition 0) or
    /// `PARTITION:OFFSET`; for a folder `dead-letters-N.jsonl:LINE` (or `N:LINE`).
    public static func parse(_ text: String, topic: Bool, flag: String = "--from") throws(ConnectorError) -> Self {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if topic {
            let numbers = parts.map { Int64($0) }
            switch (numbers.count, numbers.first ?? nil, numbers.last ?? nil) {
            case (1, let offset?, _) where offset >= 0:
                return .topic(partition: 0, offset: offset)
            case (2, let partition?, let offset?) where partition >= 0 && partition < 1 << 20 && offset >= 0:
                return .topic(partition: Int(partition), offset: offset)
            default:
                throw ConnectorError(
                    .invalidOption,
                    "\(flag) '\(text)' is not a position in a dead-letter topic: give OFFSET or PARTITION:OFFSET, "
                        + "e.g. \(flag) 120 or \(flag) 0:120")
            }
        }
        let file = parts.first.map(String.init) ?? ""
        let number = FolderDeadLetters.number(ofFileName: file) ?? Int(file).flatMap { $0 >= 1 ? $0 : nil }
        guard parts.count == 2, let number, let line = Int64(parts[1]), line >= 1 else {
            throw ConnectorError(
                .invalidOption,
                "\(flag) '\(text)' is not a position in a dead-letter folder: give FILE:LINE with the line from 1, "
                    + "e.g. \(flag) dead-letters-2.jsonl:15")
        }
        return .file(number: number, line: line)
    }
}
