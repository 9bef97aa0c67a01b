import FlywheelEngine

/// Distinct strings in first-seen order, each named by its place (a conversation's models, for its
/// summary and for its pair messages). Nearly always one: it is kept inline; the others go in an array (none,
/// no allocation, until a second string comes), which moves into a box with a dictionary of places once they
/// pass `indexThreshold`, so that finding a string's place never grows with how many a conversation has seen.
/// 24 bytes (the array and the box share one word).
struct FirstSeenStrings: Sendable {
    private var first: String?
    private var others: Others?
    static let indexThreshold = 8

    /// The strings after the first.
    private enum Others: Sendable {
        case few([String])
        case indexed(Indexed)

        var strings: [String] {
            switch self {
            case .few(let strings): strings
            case .indexed(let box): box.strings
            }
        }
    }

    /// Past `indexThreshold` strings after the first: them and their places. Shared by copies until one of them
    /// adds a string (then copied).
    private final class Indexed: @unchecked Sendable {
        // Changed only through `FirstSeenStrings.place(of:)`, once the box is known to be referenced by one value.
        var strings: [String]
        var places: [ExactKey: Int]

        init(strings: [String], places: [ExactKey: Int]) {
            self.strings = strings
            self.places = places
        }
    }

    init() {}

    init(_ strings: [String]) {
        for string in strings { _ = place(of: string) }
    }

    var count: Int { first == nil ? 0 : 1 + (others?.strings.count ?? 0) }

    /// The one string when there is exactly one, else nil (without building an array).
    var only: String? { others == nil ? first : nil }

    /// Every string, in first-seen order.
    var all: [String] {
        guard let first else { return [] }
        return [first] + (others?.strings ?? [])
    }

    /// The string at `place` (`0..<count`).
    subscript(place: Int) -> String { place == 0 ? first! : others!.strings[place - 1] }

    /// `place(of:)` of the string whose UTF-8 is `utf8`: a String is made only when it is new, or to look it up
    /// among more than `indexThreshold`.
    mutating func place(utf8: UnsafeBufferPointer<UInt8>) -> Int {
        if let first, first.hasUTF8(utf8) { return 0 }
        if case .few(let strings) = others, let found = strings.firstIndex(where: { $0.hasUTF8(utf8) }) {
            return found + 1
        }
        return place(of: String(decoding: utf8, as: UTF8.self))
    }

    /// The place of `string`, added at the end when new. Strings compare by code points.
    mutating func place(of string: String) -> Int {
        guard let first else {
            first = string
            return 0
        }
        if first.isExactly(string) { return 0 }
        switch others {
        case nil:
            others = .few([string])
            return 1
        case .few(var strings):
            if let found = strings.firstIndex(where: { $0.isExactly(string) }) { return found + 1 }
            others = nil  // so that `strings` is the array's one reference, and grows in place
            strings.append(string)
            if strings.count > Self.indexThreshold {
                var places: [ExactKey: Int] = [:]
                for (offset, known) in strings.enumerated() { places[ExactKey(known)] = offset + 1 }
                others = .indexed(Indexed(strings: strings, places: places))
            } else {
                others = .few(strings)
            }
            return strings.count
        case .indexed(var box):
            if let found = box.places[ExactKey(string)] { return found }
            others = nil
            if !isKnownUniquelyReferenced(&box) { box = Indexed(strings: box.strings, places: box.places) }
            box.strings.append(string)
            box.places[ExactKey(string)] = box.strings.count
            others = .indexed(box)
            return box.strings.count
        }
    }
}
