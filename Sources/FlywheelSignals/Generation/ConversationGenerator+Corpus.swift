/// Behaviour of one simulated model.
struct GeneratedModelProfile: Sendable {
    var name: String
    /// Share of conversations that use this model.
    var share: Double
    /// Median time to first token, ms.
    var firstTokenMs: Double
    /// Generation time per output token, ms.
    var msPerToken: Double
    /// Median output length, tokens.
    var medianTokens: Double
    /// Probability that a rating is thumbs-down.
    var downRate: Double
    /// Probability that an answer attempt fails with an error event.
    var errorRate: Double
    /// Probability that a liked answer is copied.
    var copyRate: Double
}

/// The fixed vocabulary of the generator; every text piece is stored already JSON-escaped.
enum GeneratorCorpus {
    static let models: [GeneratedModelProfile] = [
        .init(
            name: "atlas-1-large", share: 0.32, firstTokenMs: 450, msPerToken: 14, medianTokens: 320,
            downRate: 0.12, errorRate: 0.008, copyRate: 0.35),
        .init(
            name: "atlas-1-mini", share: 0.30, firstTokenMs: 180, msPerToken: 5, medianTokens: 210,
            downRate: 0.2, errorRate: 0.01, copyRate: 0.25),
        .init(
            name: "nova-2", share: 0.26, firstTokenMs: 300, msPerToken: 9, medianTokens: 280,
            downRate: 0.16, errorRate: 0.012, copyRate: 0.3),
        // Noticeably worse: slow, often disliked, often failing, so quality alerts can fire.
        .init(
            name: "orion-preview", share: 0.12, firstTokenMs: 900, msPerToken: 22, medianTokens: 380,
            downRate: 0.58, errorRate: 0.07, copyRate: 0.1),
    ]
    static let modelShares = models.map(\.share)
    static let modelNames = models.map { escaped($0.name) }

    static let variants = ["", "", "control", "treatment"].map(escaped)
    static let clients = ["", "web", "ios", "android", "api"].map(escaped)

    /// UTC offsets in minutes; index 0 is `Z`.
    static let offsets: [Int] = [0, 330, -480, 120, 540, -300, 60, -210, 345, -600, 780]

    /// Relative frequency of 1...6 turns.
    static let turnWeights: [Double] = [0.16, 0.2, 0.2, 0.17, 0.15, 0.12]

    static let errorCodes = [
        "timeout", "rate_limited", "internal_error", "content_filter", "context_length_exceeded",
        "upstream_unavailable",
    ].map(escaped)

    static let upComments = ["great, thanks!", "perfect 👍", "exactly what I needed", "concise and correct"]
    static let downComments = [
        "wrong answer", "too slow", "didn't compile", "hallucinated an API that doesn't exist",
        "not what I asked \"exactly\"", "réponse incorrecte", "answer was cut off\n(truncated)", "tl;dr",
    ]
    static let comments = (upComments + downComments).map(escaped)

    /// JSON string content for `text` (without the surrounding quotes).
    static func escaped(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        return out
    }
}
