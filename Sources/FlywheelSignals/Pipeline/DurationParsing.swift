/// Duration units of the pipeline file, largest last, with their length in milliseconds.
private let durationUnits: [(suffix: String, millis: Int64)] = [
    ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
]

/// Size units of the pipeline file, largest last, with their length in bytes (binary multiples only).
private let sizeUnits: [(suffix: String, bytes: Int)] = [
    ("B", 1), ("KiB", 1_024), ("MiB", 1_048_576), ("GiB", 1_073_741_824),
]

/// The message shown for a duration that `parseDuration` rejects.
let durationSyntaxHint = "expected a number with a unit ms, s, m, h or d, e.g. 250ms, 5s, 30m, 1h"

/// The message shown for a size that `parseSize` rejects.
let sizeSyntaxHint = "expected a number with a unit B, KiB, MiB or GiB, e.g. 512KiB, 1MiB"

/// Parses a pipeline duration such as `250ms`, `5s`, `30m`, `1h` or `2d` into milliseconds.
///
/// The text must be a non-negative whole number (ASCII digits) followed directly by one of the
/// case-sensitive units `ms`, `s`, `m`, `h`, `d`; the bare text `"0"` is also accepted. Signs,
/// fractions, spaces, other units and values that overflow `Int64` give `nil`.
public func parseDuration(_ text: String) -> Int64? {
    guard text != "0" else { return 0 }
    guard let (count, unit) = splitQuantity(text),
        let factor = durationUnits.first(where: { $0.suffix == unit })?.millis
    else { return nil }
    let product = count.multipliedReportingOverflow(by: factor)
    return product.overflow ? nil : product.partialValue
}

/// Parses a pipeline size such as `512KiB` or `1MiB` into bytes.
///
/// The text must be a non-negative whole number followed directly by `B`, `KiB`, `MiB` or `GiB`
/// (1024-based; decimal `KB`/`MB` are rejected to avoid ambiguity); the bare text `"0"` is also
/// accepted. Anything else, including overflow, gives `nil`.
public func parseSize(_ text: String) -> Int? {
    guard text != "0" else { return 0 }
    guard let (count, unit) = splitQuantity(text),
        let factor = sizeUnits.first(where: { $0.suffix == unit })?.bytes,
        let count = Int(exactly: count)
    else { return nil }
    let product = count.multipliedReportingOverflow(by: factor)
    return product.overflow ? nil : product.partialValue
}

/// Formats milliseconds with the largest unit that represents them exactly: `5000` is `5s`, `90000` is `90s`,
/// `0` is `0s`. The result parses back with `parseDuration` for any non-negative input.
public func formatDuration(_ millis: Int64) -> String {
    guard millis != 0 else { return "0s" }
    for unit in durationUnits.reversed() where millis % unit.millis == 0 {
        return "\(millis / unit.millis)\(unit.suffix)"
    }
    return "\(millis)ms"
}

/// Formats bytes with the largest binary unit that represents them exactly: `1048576` is `1MiB`, `1536` is
/// `1536B`. The result parses back with `parseSize` for any non-negative input.
public func formatSize(_ bytes: Int) -> String {
    guard bytes != 0 else { return "0B" }
    for unit in sizeUnits.reversed() where bytes % unit.bytes == 0 {
        return "\(bytes / unit.bytes)\(unit.suffix)"
    }
    return "\(bytes)B"
}

/// Splits `123unit` into its number and unit; `nil` unless the text is ASCII digits then a non-empty unit.
private func splitQuantity(_ text: String) -> (Int64, Substring)? {
    let digits = text.prefix { $0.isASCII && $0.isWholeNumber }
    let unit = text.dropFirst(digits.count)
    guard !digits.isEmpty, !unit.isEmpty, let count = Int64(digits) else { return nil }
    return (count, unit)
}
