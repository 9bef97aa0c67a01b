import FlywheelEngine

/// Distinct strings in first-seen order, each named by its place (a conversation's models, for its
/// summary and for its pair messages). Nearly always one: it is kept inline; the others go in an array,
/// indexed by a dictionary once they pass `indexThreshold` (empty, no allocation, until then), so that
/// finding a string's place never grows with how many a conversation has seen. 32 bytes.
struct FirstSeenStrings: Sendable {
    private var first: String?
    private var more: [String] = []
    private var places: [ExactKey: Int] = [:]
    static let indexThreshold = 8

    init() {}

    init(_ strings: [String]) {
        for string in strings { _ = place(of: string) }
    }

    var count: Int { first == nil ? 0 : 1 + more.count }

    /// The one string when there is exactly one, else nil (without building an array).
    var only: String? { more.isEmpty ? first : nil }

    /// Every string, in first-seen order.
    var all: [String] { first.map { [$0] + more } ?? [] }

    /// The string at `place` (`0..<count`).
    subscript(place: Int) -> String { place == 0 ? first! : more[place - 1] }

    /// The place of `string`, added at the end when new. Strings compare by code points.
    mutating func place(of string: String) -> Int {
        guard let first else {
            first = string
            return 0
        }
        if first.isExactly(string) { return 0 }
        if !places.isEmpty {
            if let found = places[ExactKey(string)] { return found }
        } else if let found = more.firstIndex(where: { $0.isExactly(string) }) {
            return found + 1
        }
        more.append(string)
        if more.count > Self.indexThreshold {
            if places.isEmpty {
                for (offset, known) in more.enumerated() { places[ExactKey(known)] = offset + 1 }
            } else {
                places[ExactKey(string)] = more.count
            }
        }
        return more.count
    }
}
