import FlywheelEngine

extension ChatEvent: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(eventId)
        writer.write(UInt8(ChatEventType.allCases.firstIndex(of: type)!))
        writer.write(time)
        writer.write(conversationId)
        writer.write(userId)
        writer.write(messageId)
        writer.write(parentId)
        writer.write(rejectedId)
        writer.write(model)
        writer.write(variant)
        writer.write(text)
        writer.write(latencyMs != nil)
        writer.write(latencyMs ?? 0)
        writer.write(tokensIn)
        writer.write(tokensOut)
        writer.write(UInt8(rating == nil ? 0 : rating == .up ? 1 : 2))
        writer.write(origin.partition)
        writer.write(origin.position)
        writer.write(origin.raw)
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        let eventId = try reader.readString()
        let typeIndex = Int(try reader.readByte())
        guard typeIndex < ChatEventType.allCases.count else {
            throw CheckpointError(.corrupt, "bad event type \(typeIndex)")
        }
        let time = try reader.readTime()
        self.init(
            eventId: eventId, type: ChatEventType.allCases[typeIndex], time: time,
            conversationId: try reader.readString())
        userId = try reader.readOptionalString()
        messageId = try reader.readOptionalString()
        parentId = try reader.readOptionalString()
        rejectedId = try reader.readOptionalString()
        model = try reader.readOptionalString()
        variant = try reader.readString()
        text = try reader.readOptionalString()
        let hasLatency = try reader.readBool()
        let latency = try reader.readDouble()
        latencyMs = hasLatency ? latency : nil
        tokensIn = try reader.readInt64()
        tokensOut = try reader.readInt64()
        let rating = try reader.readByte()
        self.rating = rating == 0 ? nil : rating == 1 ? .up : .down
        origin = EventOrigin(
            partition: try reader.readInt(), position: try reader.readInt64(), raw: try reader.readOptionalString())
    }
}

extension ModelKey: StateCodable, KeyGroupHashable {
    public var stableHash: UInt64 { StableHash.hash(model, variant) }

    public func encode(to writer: inout StateWriter) {
        writer.write(model)
        writer.write(variant)
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        self.init(model: try reader.readString(), variant: try reader.readString())
    }
}

extension ModelQualityAccumulator: StateCodable {
    public func encode(to writer: inout StateWriter) {
        for value in [responses, feedbackUp, feedbackDown, regenerations, copies, errors] { writer.write(value) }
        writer.write(tokensIn)
        writer.write(tokensOut)
        writer.write(latencySum)
        writer.write(costUsd)
        writer.write(latencies) { $0.write($1) }
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        self.init()
        responses = try reader.readInt64()
        feedbackUp = try reader.readInt64()
        feedbackDown = try reader.readInt64()
        regenerations = try reader.readInt64()
        copies = try reader.readInt64()
        errors = try reader.readInt64()
        tokensIn = try reader.readInt128()
        tokensOut = try reader.readInt128()
        latencySum = try reader.readDouble()
        costUsd = try reader.readDouble()
        latencies = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            try reader.readDouble()
        }
    }
}
