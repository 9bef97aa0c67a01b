/// A session's eight counts in 32 bits each, with what passes 32 bits kept aside (`spill`), so that no count
/// ever saturates: 40 bytes where eight 64-bit counts took 64 (a session's state is what a live service pays
/// for each open conversation: see README, "State per open conversation").
struct SessionCounts: Sendable {
    /// In the order checkpoints write the counts (`ConversationAccumulator`'s state): do not reorder.
    enum Counter: Int, CaseIterable, Sendable {
        case prompts, responses, feedbackUp, feedbackDown, regenerations, copies, errors, piiFound
    }

    /// The low 32 bits of each count, in `Counter` order.
    private var low: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0)
    /// Per count, what it holds beyond `low` (a multiple of 2^32, or the whole of a negative count, which only a
    /// damaged checkpoint could hold); nil, and no allocation, while every count fits in 32 bits.
    private var spill: [Int64]?

    init() {}

    subscript(_ counter: Counter) -> Int64 {
        get { Int64(lowBits(counter)) + (spill?[counter.rawValue] ?? 0) }
        set {
            let lowPart = newValue >= 0 ? UInt32(truncatingIfNeeded: newValue) : 0
            setLowBits(counter, lowPart)
            let rest = newValue - Int64(lowPart)
            guard rest != 0 || spill != nil else { return }
            if spill == nil { spill = Array(repeating: 0, count: Counter.allCases.count) }
            spill![counter.rawValue] = rest
        }
    }

    /// Adds `amount` (>= 0) to a count.
    @inline(__always)
    mutating func add(_ amount: Int64, to counter: Counter) {
        let (sum, overflow) = lowBits(counter).addingReportingOverflow(UInt32(truncatingIfNeeded: amount))
        if !overflow && amount >> 32 == 0 {
            setLowBits(counter, sum)
        } else {
            self[counter] = self[counter] &+ amount
        }
    }

    /// Adds each of `other`'s counts to this one's.
    mutating func add(_ other: SessionCounts) {
        for counter in Counter.allCases { add(other[counter], to: counter) }
    }

    @inline(__always)
    private func lowBits(_ counter: Counter) -> UInt32 {
        withUnsafeBytes(of: low) { $0.load(fromByteOffset: counter.rawValue &* 4, as: UInt32.self) }
    }

    @inline(__always)
    private mutating func setLowBits(_ counter: Counter, _ value: UInt32) {
        withUnsafeMutableBytes(of: &low) {
            $0.storeBytes(of: value, toByteOffset: counter.rawValue &* 4, as: UInt32.self)
        }
    }
}
