/// The individual events a ``ConversationScript`` emits.
extension ConversationScript {
    mutating func emitPrompt(_ text: GeneratedText) -> Int {
        var event = makeEvent(.prompt, at: clock)
        event.message = takeMessage()
        event.text = text
        append(event)
        return event.message
    }

    /// A response whose latency is time-to-first-token plus a per-token cost (log-normal-ish).
    mutating func emitResponse(to prompt: Int, model index: Int, start: Int64) -> Int {
        let profile = GeneratorCorpus.models[index]
        let tokensOut = max(1, Int(rng.logNormal(median: profile.medianTokens, sigma: 0.6)))
        let perToken = profile.msPerToken * (0.8 + 0.4 * rng.unit())
        let ms = rng.logNormal(median: profile.firstTokenMs, sigma: 0.5) + Double(tokensOut) * perToken
        let tenths = rng.chance(0.15) ? Int(ms * 10) : Int(ms) * 10
        var event = makeEvent(.response, at: start + Int64(tenths / 10))
        event.message = takeMessage()
        event.parent = prompt
        event.model = Int8(index)
        event.text = responseText()
        event.latencyTenths = tenths
        if rng.chance(0.95) {
            event.tokensIn = 12 + rng.below(120) + context
            event.tokensOut = tokensOut
        }
        context += tokensOut + 40
        append(event)
        return event.message
    }

    mutating func emitFeedback(on response: Int, down: Bool) {
        var event = makeEvent(.feedback, at: clock + rng.between(2_000, 40_000))
        event.parent = response
        event.model = Int8(model)
        event.rating = down ? 2 : 1
        let ups = GeneratorCorpus.upComments.count
        if down && rng.chance(0.35) {
            event.comment = Int16(ups + rng.below(GeneratorCorpus.downComments.count))
        } else if !down && rng.chance(0.1) {
            event.comment = Int16(rng.below(ups))
        }
        append(event)
    }

    /// A `copy` or `regenerate` of `response`.
    mutating func emitAction(_ kind: GeneratedEventKind, on response: Int, model index: Int) {
        var event = makeEvent(kind, at: clock + rng.between(1_000, 20_000))
        event.parent = response
        event.model = Int8(index)
        append(event)
    }

    /// An error instead of a response; timeouts take 30-60 s, other failures are quick.
    mutating func emitError(start: Int64) {
        let code = rng.below(GeneratorCorpus.errorCodes.count)
        let delay = code == 0 ? rng.between(30_000, 60_000) : rng.between(30, 2_500)
        var event = makeEvent(.error, at: start + delay)
        event.model = Int8(model)
        if rng.chance(0.9) { event.errorCode = Int16(code) }
        append(event)
    }

    mutating func promptText(followUp: Bool) -> GeneratedText {
        let leads = followUp ? GeneratorCorpus.followUpLeads : GeneratorCorpus.firstPromptLeads
        var text = GeneratedText(kind: 1)
        text.lead = UInt16(rng.below(leads.count)) | (followUp ? 0x100 : 0)
        text.body = UInt16(rng.below(GeneratorCorpus.promptBodies.count))
        let pii = GeneratorCorpus.piiExtras.count
        if rng.chance(piiRate) {
            text.tail = UInt16(1 + rng.below(pii))
        } else if rng.chance(0.08) {
            text.tail = UInt16(1 + pii + rng.below(GeneratorCorpus.lookAlikeExtras.count))
        }
        return text
    }

    mutating func responseText() -> GeneratedText {
        var text = GeneratedText(kind: 2)
        text.lead = UInt16(rng.below(GeneratorCorpus.responseLeads.count))
        text.body = UInt16(rng.below(GeneratorCorpus.responseBodies.count))
        text.tail = UInt16(rng.below(GeneratorCorpus.responseTails.count))
        return text
    }

    func makeEvent(_ kind: GeneratedEventKind, at timestamp: Int64) -> GeneratedEvent {
        var event = base
        event.kind = kind
        event.timestamp = timestamp
        return event
    }

    /// Records `event`; the conversation clock never goes back.
    mutating func append(_ event: GeneratedEvent) {
        events.append(event)
        clock = max(clock, event.timestamp)
    }

    mutating func takeMessage() -> Int {
        defer { nextMessage += 1 }
        return nextMessage
    }
}
