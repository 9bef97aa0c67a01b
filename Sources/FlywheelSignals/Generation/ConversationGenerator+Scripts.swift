/// The scripted life of one conversation: turns of a prompt, an answer and the user's reactions.
///
/// Content depends only on the seed and the conversation index (plus the message-id counter),
/// so transport options such as duplicate or malformed rates never change what people "say".
struct ConversationScript {
    var events: [GeneratedEvent] = []
    var nextMessage: Int
    var rng: SplitMix64
    var clock: Int64
    var context = 0
    let base: GeneratedEvent
    let model: Int
    let downFactor: Double
    let piiRate: Double

    init(index: Int, start: Int64, options: GeneratorOptions, userPool: Int, firstMessage: Int) {
        var rng = SplitMix64(seed: SplitMix64.mix(options.seed &+ UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15))
        var base = GeneratedEvent(kind: .prompt)
        base.conversation = index
        let userDraw = rng.unit()
        base.user = userDraw < 0.1 ? -1 : userDraw < 0.12 ? -3 : rng.below(userPool)
        base.variant = UInt8(rng.weighted([0.07, 0.03, 0.45, 0.45]))
        base.offset = rng.chance(options.utcOffsetRate) ? UInt8(1 + rng.below(GeneratorCorpus.offsets.count - 1)) : 0
        base.timeStyle = UInt8(rng.weighted([0.9, 0.07, 0.03]))
        base.client = rng.chance(0.4) ? UInt8(1 + rng.below(GeneratorCorpus.clients.count - 1)) : 0
        model = rng.weighted(GeneratorCorpus.modelShares)
        downFactor = base.variant == 3 ? 0.85 : 1
        piiRate = options.piiRate
        clock = start
        nextMessage = firstMessage
        self.base = base
        self.rng = rng
    }

    /// Plays 1-6 turns; sometimes one turn comes after a pause of more than 30 minutes.
    mutating func run() {
        let turns = 1 + rng.weighted(GeneratorCorpus.turnWeights)
        let pauseBefore = turns > 1 && rng.chance(0.05) ? 1 + rng.below(turns - 1) : -1
        var retry: GeneratedText?
        for turn in 0..<turns {
            if turn > 0 { clock += Int64(min(600_000, max(2_000, rng.logNormal(median: 20_000, sigma: 0.8)))) }
            if turn == pauseBefore { clock += rng.between(31 * 60_000, 95 * 60_000) }
            let text = retry ?? promptText(followUp: turn > 0)
            retry = nil
            let prompt = emitPrompt(text)
            if rng.chance(0.08) {
                sideBySide(prompt: prompt)
            } else if !answer(prompt: prompt, regenerations: 2), rng.chance(0.6) {
                retry = text
            }
        }
    }

    /// Answers `prompt` with the conversation's model, or fails with an error event (returns `false`).
    private mutating func answer(prompt: Int, regenerations: Int) -> Bool {
        let start = clock + rng.between(20, 250)
        guard !rng.chance(GeneratorCorpus.models[model].errorRate) else {
            emitError(start: start)
            return false
        }
        let response = emitResponse(to: prompt, model: model, start: start)
        react(to: response, prompt: prompt, regenerations: regenerations)
        return true
    }

    /// Feedback (sometimes changed from down to up), a copy, and perhaps a regeneration.
    private mutating func react(to response: Int, prompt: Int, regenerations: Int) {
        let profile = GeneratorCorpus.models[model]
        var down = false
        if rng.chance(0.5) {
            down = rng.chance(profile.downRate * downFactor)
            emitFeedback(on: response, down: down)
            if down && rng.chance(0.06) {
                emitFeedback(on: response, down: false)
                down = false
            }
        }
        if !down && rng.chance(profile.copyRate) { emitAction(.copy, on: response, model: model) }
        guard regenerations > 0, rng.chance(down ? 0.4 : 0.05) else { return }
        emitAction(.regenerate, on: response, model: model)
        _ = answer(prompt: prompt, regenerations: regenerations - 1)
    }

    /// Two models answer one prompt; the user picks one (rarely naming ids that never existed).
    private mutating func sideBySide(prompt: Int) {
        let models = GeneratorCorpus.models
        let other = (model + 1 + rng.below(models.count - 1)) % models.count
        let start = clock + rng.between(20, 250)
        let history = context
        let first = emitResponse(to: prompt, model: model, start: start)
        context = history
        let second = emitResponse(to: prompt, model: other, start: start)
        let preferFirst = rng.chance(min(0.9, max(0.1, 0.5 + models[other].downRate - models[model].downRate)))
        let chosen = preferFirst ? first : second
        let resolved = emitChoice(chosen: chosen, rejected: preferFirst ? second : first)
        if resolved && rng.chance(0.3) {
            emitAction(.copy, on: chosen, model: preferFirst ? model : other)
        }
    }

    /// A choice of `chosen` over `rejected`; 3 % of choices name message ids that never existed
    /// (returns `false` then), so their references are never resolved.
    private mutating func emitChoice(chosen: Int, rejected: Int) -> Bool {
        var choice = makeEvent(.choice, at: clock + rng.between(3_000, 45_000))
        choice.parent = chosen
        choice.rejected = rejected
        let resolved = !rng.chance(0.03)
        if !resolved {
            let ghost = (1 << 40) + rng.below(1 << 32)
            switch rng.below(3) {
            case 0: choice.parent = ghost
            case 1: choice.rejected = ghost
            default: (choice.parent, choice.rejected) = (ghost, ghost + 1)
            }
        }
        append(choice)
        return resolved
    }
}
