/// The raw bytes of a top-level field's value in a JSON object (`"abc"` with its quotes, `42`, `{...}`),
/// or nil when the record is not an object or has no such field. A scanner, not a parser: it skips
/// nested values and strings (escapes included) without building anything.
func topLevelField(_ name: [UInt8], in json: [UInt8]) -> ArraySlice<UInt8>? {
    var index = json.startIndex
    skipSpace(json, &index)
    guard index < json.endIndex, json[index] == UInt8(ascii: "{") else { return nil }
    index += 1
    while true {
        skipSpace(json, &index)
        guard index < json.endIndex, json[index] == UInt8(ascii: "\"") else { return nil }
        let keyStart = index + 1
        guard let keyEnd = stringEnd(json, from: index) else { return nil }
        index = keyEnd + 1
        skipSpace(json, &index)
        guard index < json.endIndex, json[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        skipSpace(json, &index)
        let valueStart = index
        guard let valueEnd = valueEnd(json, from: index) else { return nil }
        if json[keyStart..<keyEnd].elementsEqual(name) { return json[valueStart..<valueEnd] }
        index = valueEnd
        skipSpace(json, &index)
        guard index < json.endIndex, json[index] == UInt8(ascii: ",") else { return nil }
        index += 1
    }
}

private func skipSpace(_ json: [UInt8], _ index: inout Int) {
    while index < json.endIndex,
        json[index] == 0x20 || json[index] == 0x09 || json[index] == 0x0A || json[index] == 0x0D
    {
        index += 1
    }
}

/// The index of the quote closing the string that opens at `start`.
private func stringEnd(_ json: [UInt8], from start: Int) -> Int? {
    var index = start + 1
    while index < json.endIndex {
        switch json[index] {
        case UInt8(ascii: "\\"): index += 2
        case UInt8(ascii: "\""): return index
        default: index += 1
        }
    }
    return nil
}

/// The index just past the value that starts at `start`.
private func valueEnd(_ json: [UInt8], from start: Int) -> Int? {
    guard start < json.endIndex else { return nil }
    switch json[start] {
    case UInt8(ascii: "\""):
        return stringEnd(json, from: start).map { $0 + 1 }
    case UInt8(ascii: "{"), UInt8(ascii: "["):
        var depth = 0
        var index = start
        while index < json.endIndex {
            switch json[index] {
            case UInt8(ascii: "\""):
                guard let end = stringEnd(json, from: index) else { return nil }
                index = end
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return index + 1 }
            default: break
            }
            index += 1
        }
        return nil
    default:
        var index = start
        while index < json.endIndex, json[index] != UInt8(ascii: ","), json[index] != UInt8(ascii: "}"),
            json[index] != 0x20, json[index] != 0x09, json[index] != 0x0A, json[index] != 0x0D
        {
            index += 1
        }
        return index > start ? index : nil
    }
}
