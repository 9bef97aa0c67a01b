import FlywheelEngine

/// A long conversation's responses grouped by the prompt they answer, each group split by what its
/// responses can be in a pair (CONTRACT 3.2): chosen (rated up), rejected (rated down or
/// regenerated). A rule looks only at the responses it can pair with, so an event's work does not
/// grow with the rest of the conversation.
struct PairResponseGroups: Sendable {
    /// Which responses of a group a rule looks for.
    enum Kind: Sendable {
        /// Latest rating up: can be chosen.
        case up
        /// Latest rating down, or regenerated: can be rejected.
        case downOrRegenerated
    }

    private struct Group: Sendable {
        var up: Set<Int> = []
        var downOrRegenerated: Set<Int> = []
    }

    /// By the slot of the prompt.
    private var groups: [Int: Group] = [:]

    /// Puts the response in `slot` into the group of `prompt`, in the parts its flags say.
    mutating func place(_ slot: Int, prompt: Int, up: Bool, downOrRegenerated: Bool) {
        let key = prompt
        guard up || downOrRegenerated || groups[key] != nil else { return }
        Self.update(&groups[key, default: Group()], slot, up: up, downOrRegenerated: downOrRegenerated)
        if !up && !downOrRegenerated, let group = groups[key], group.up.isEmpty && group.downOrRegenerated.isEmpty {
            groups.removeValue(forKey: key)
        }
    }

    private static func update(_ group: inout Group, _ slot: Int, up: Bool, downOrRegenerated: Bool) {
        if up { group.up.insert(slot) } else { group.up.remove(slot) }
        if downOrRegenerated { group.downOrRegenerated.insert(slot) } else { group.downOrRegenerated.remove(slot) }
    }

    /// Takes the response in `slot` out of the group of `prompt` (it answers another prompt now).
    mutating func remove(_ slot: Int, prompt: Int) {
        place(slot, prompt: prompt, up: false, downOrRegenerated: false)
    }

    /// The responses to `prompt` of `kind`.
    func members(of prompt: Int, _ kind: Kind) -> Set<Int> {
        guard let group = groups[prompt] else { return [] }
        switch kind {
        case .up: return group.up
        case .downOrRegenerated: return group.downOrRegenerated
        }
    }
}
