import FlywheelEngine

extension ConversationAccumulator: StateCodable {
    public func encode(to writer: inout StateWriter) {
        // prompts, responses, feedback up and down, regenerations, copies, errors, PII found: `Counter`'s order.
        for counter in SessionCounts.Counter.allCases { writer.write(counts[counter]) }
        writer.write(first)
        writer.write(last)
        writer.write(user != nil)
        if let user {
            writer.write(user.time)
            writer.write(user.eventId)
            writer.write(user.userId)
        }
        writer.write(models) { $0.write($1) }
        writer.write(messages) { writer, message in
            writer.write(message.time)
            writer.write(message.eventId)
            writer.write(message.isPrompt)
            writer.write(message.messageId)
            writer.write(message.parentId)
            writer.write(message.text)
            writer.write(message.hasPII)
        }
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        self.init()
        for counter in SessionCounts.Counter.allCases { counts[counter] = try reader.readInt64() }
        first = try reader.readTime()
        last = try reader.readTime()
        if try reader.readBool() {
            user = (try reader.readTime(), try reader.readString(), try reader.readString())
        }
        models = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in try reader.readString() }
        messages = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            ConversationMessage(
                time: try reader.readTime(), eventId: try reader.readString(), isPrompt: try reader.readBool(),
                messageId: try reader.readString(), parentId: try reader.readOptionalString(),
                text: try reader.readString(), hasPII: try reader.readBool())
        }
    }
}

extension PairConversationState: StateCodable {
    func encode(to writer: inout StateWriter) {
        writer.write(lastTime)
        writer.write(messages.count)
        // Fields read in place: a copy of a message would retain its strings.
        for slot in messages.indices {
            writer.write(id(at: slot))
            writer.write(promptText(at: slot))
            writer.write(messages[slot].isResponse)
            if let response = response(at: slot) {
                writer.write(response.text)
                writer.write(response.model)
                writer.write(promptId(ofResponse: slot)!)
            }
            writer.write(UInt8(messages[slot].rating == nil ? 0 : messages[slot].rating == .up ? 1 : 2))
            writer.write(messages[slot].regenerated)
            writer.write(messages[slot].responseOrder)
        }
        writer.write(claimed.pairs) { writer, pair in
            writer.write(pair.chosen)
            writer.write(pair.rejected)
        }
        writer.write(waits.inOrder) { writer, pair in
            writer.write(pair.chosen)
            writer.write(pair.rejected)
            writer.write(pair.source.rawValue)
            writer.write(pair.rule.eventId)
            writer.write(pair.rule.time)
            writer.write(UInt8(ChatEventType.allCases.firstIndex(of: pair.rule.type)!))
            writer.write(pair.rule.origin.partition)
            writer.write(pair.rule.origin.position)
            writer.write(pair.rule.origin.raw)
            writer.write(pair.rule.sequence)
        }
    }

    init(from reader: inout StateReader) throws(CheckpointError) {
        self.init()
        lastTime = try reader.readTime()
        var responses: [(slot: Int, text: String, model: String, promptId: String)] = []
        var readCount = 0
        let read = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            defer { readCount += 1 }
            return try Self.readMessage(&reader, slot: readCount, responses: &responses)
        }
        restoreMessages(read, responses: responses)
        let claimedPairs = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            (chosen: try reader.readInt(), rejected: try reader.readInt())
        }
        for pair in claimedPairs {
            guard read.indices.contains(pair.chosen), read.indices.contains(pair.rejected) else {
                throw CheckpointError(.corrupt, "claimed pair names a message that is not there")
            }
            _ = claimed.insert(chosen: pair.chosen, rejected: pair.rejected)
        }
        let waiting = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            try Self.readWaitingPair(&reader)
        }
        for pair in waiting {
            let chosen = slot(pair.chosen)
            let rejected = slot(pair.rejected)
            _ = waits.add(
                PairWaitList.Entry(
                    pair: pair, chosen: chosen, rejected: rejected, prompt: promptSlot(ofResponse: chosen)))
        }
    }

    private static func readWaitingPair(_ reader: inout StateReader) throws(CheckpointError) -> WaitingPair {
        let chosen = try reader.readString()
        let rejected = try reader.readString()
        guard let source = PairSource(rawValue: try reader.readString()) else {
            throw CheckpointError(.corrupt, "bad pair source")
        }
        let eventId = try reader.readString()
        let time = try reader.readTime()
        let typeIndex = Int(try reader.readByte())
        guard typeIndex < ChatEventType.allCases.count else { throw CheckpointError(.corrupt, "bad event type") }
        let origin = EventOrigin(
            partition: try reader.readInt(), position: try reader.readInt64(), raw: try reader.readOptionalString())
        let rule = RuleEvent(
            eventId: eventId, time: time, type: ChatEventType.allCases[typeIndex], origin: origin,
            sequence: try reader.readInt64())
        return WaitingPair(chosen: chosen, rejected: rejected, source: source, rule: rule)
    }

    /// A message; a response's text, model and prompt id go to `responses` (its prompt's slot is known once
    /// every message is read).
    private static func readMessage(
        _ reader: inout StateReader, slot: Int,
        responses: inout [(slot: Int, text: String, model: String, promptId: String)]
    ) throws(CheckpointError) -> RestoredMessage {
        var message = RestoredMessage(
            id: try reader.readString(), promptText: try reader.readOptionalString(), rating: nil, regenerated: false,
            responseOrder: 0)
        if try reader.readBool() {
            responses.append(
                (slot, text: try reader.readString(), model: try reader.readString(), promptId: try reader.readString())
            )
        }
        let rating = try reader.readByte()
        message.rating = rating == 0 ? nil : rating == 1 ? .up : .down
        message.regenerated = try reader.readBool()
        message.responseOrder = try reader.readInt()
        return message
    }
}
