/// Encoding of one ``GeneratedEvent`` as one JSON line, including its deliberate defects.
extension GeneratorLineBuffer {
    /// Appends the line of `event`, ending in `\n`. Equal events always give equal bytes.
    mutating func encode(_ event: GeneratedEvent) {
        let start = bytes.count
        if event.mutation == .notAnObject {
            raw("WARN collector: upstream reset, retrying batch ")
            decimal(event.id)
            byte(0x0A)
            return
        }
        writeIdentity(event)
        writeReferences(event)
        writePayload(event)
        if event.client != 0 {
            raw(#","client":""#)
            raw(GeneratorCorpus.clients[Int(event.client)])
            byte(0x22)
        }
        byte(UInt8(ascii: "}"))
        if event.mutation == .truncated { truncateLine(from: start) }
        byte(0x0A)
    }

    private mutating func writeIdentity(_ event: GeneratedEvent) {
        raw(#"{"event_id":""#)
        if event.mutation != .emptyEventID { id(prefix: UInt8(ascii: "e"), event.id) }
        if event.mutation == .invalidUTF8 { raw([0xC3, 0x28, 0xFF]) }
        raw(#"","type":""#)
        if event.mutation == .unknownType { raw("thumbs_sideways") } else { raw(Self.typeName(event.kind)) }
        raw(#"","timestamp":"#)
        if event.mutation == .timestampAsNumber {
            decimal(event.timestamp)
        } else {
            byte(0x22)
            let offset = GeneratorCorpus.offsets[Int(event.offset)]
            timestamp(
                event.timestamp, offsetMinutes: offset, style: event.timeStyle, salt: event.id, mutation: event.mutation
            )
            byte(0x22)
        }
        idField(#","conversation_id":"#, prefix: UInt8(ascii: "c"), event.conversation)
        idField(#","user_id":"#, prefix: UInt8(ascii: "u"), event.user)
    }

    private mutating func writeReferences(_ event: GeneratedEvent) {
        idField(#","message_id":"#, prefix: UInt8(ascii: "m"), event.message)
        idField(#","parent_id":"#, prefix: UInt8(ascii: "m"), event.parent)
        idField(#","rejected_id":"#, prefix: UInt8(ascii: "m"), event.rejected)
        if event.model != -1 {
            raw(#","model":""#)
            if event.model >= 0 { raw(GeneratorCorpus.modelNames[Int(event.model)]) }
            byte(0x22)
        }
        if event.variant != 0 {
            raw(#","variant":""#)
            raw(GeneratorCorpus.variants[Int(event.variant)])
            byte(0x22)
        }
    }

    private mutating func writePayload(_ event: GeneratedEvent) {
        if event.text.kind != 0 { writeText(event.text) }
        if event.mutation == .nanLatency {
            raw(#","latency_ms":NaN"#)
        } else if let tenths = event.latencyTenths {
            raw(#","latency_ms":"#)
            latency(tenths: tenths)
        }
        if let tokens = event.tokensIn {
            raw(#","tokens_in":"#)
            decimal(tokens)
        }
        if let tokens = event.tokensOut {
            raw(#","tokens_out":"#)
            decimal(tokens)
        }
        writeFeedback(event)
    }

    private mutating func writeFeedback(_ event: GeneratedEvent) {
        switch event.rating {
        case 1: raw(#","rating":"up""#)
        case 2: raw(#","rating":"down""#)
        case 3: raw(#","rating":"meh""#)
        default: break
        }
        if event.comment == -2 {
            raw(#","comment":5"#)
        } else if event.comment >= 0 {
            raw(#","comment":""#)
            raw(GeneratorCorpus.comments[Int(event.comment)])
            byte(0x22)
        }
        if event.errorCode == -2 {
            raw(#","error_code":500"#)
        } else if event.errorCode >= 0 {
            raw(#","error_code":""#)
            raw(GeneratorCorpus.errorCodes[Int(event.errorCode)])
            byte(0x22)
        }
    }

    private mutating func writeText(_ text: GeneratedText) {
        raw(#","text":""#)
        if text.kind == 1 {
            let extras = GeneratorCorpus.promptExtras
            let leads = text.lead >= 0x100 ? GeneratorCorpus.followUpLeads : GeneratorCorpus.firstPromptLeads
            raw(leads[Int(text.lead & 0xFF)])
            raw(GeneratorCorpus.promptBodies[Int(text.body)])
            raw(extras[Int(text.tail)])
        } else {
            raw(GeneratorCorpus.responseLeads[Int(text.lead)])
            raw(GeneratorCorpus.responseBodies[Int(text.body)])
            raw(GeneratorCorpus.responseTails[Int(text.tail)])
        }
        byte(0x22)
    }

    /// Cuts the line that starts at `start` roughly in half, at a character boundary, dropping the `}`.
    private mutating func truncateLine(from start: Int) {
        var cut = start + (bytes.count - start) / 2
        while cut > start + 1 && bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        bytes.removeSubrange(cut...)
    }

    static func typeName(_ kind: GeneratedEventKind) -> StaticString {
        switch kind {
        case .prompt: "prompt"
        case .response: "response"
        case .feedback: "feedback"
        case .regenerate: "regenerate"
        case .copy: "copy"
        case .choice: "choice"
        case .error: "error"
        }
    }
}
