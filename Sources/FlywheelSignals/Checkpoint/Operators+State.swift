import FlywheelEngine

extension ModelQualityOperator {
    func snapshot(into writers: inout [StateWriter]) { windows.snapshot(into: &writers) }

    mutating func restore(from reader: inout StateReader) throws(CheckpointError) { try windows.restore(from: &reader) }

    mutating func restoreWatermark(_ value: EventTime) { windows.restoreWatermark(value) }
}

extension ConversationOperator {
    func snapshot(into writers: inout [StateWriter]) { sessions.snapshot(into: &writers) }

    mutating func restore(from reader: inout StateReader) throws(CheckpointError) {
        try sessions.restore(from: &reader)
    }

    mutating func restoreWatermark(_ value: EventTime) { sessions.restoreWatermark(value) }
}

extension PreferencePairOperator {
    func snapshot(into writers: inout [StateWriter]) {
        var states = Array(repeating: [(ExactKey, PairConversationState)](), count: writers.count)
        conversations.forEach { key, state in states[KeyGroups.group(ofHash: key.stableHash)].append((key, state)) }
        var events = Array(repeating: [SequencedEvent](), count: writers.count)
        for entry in buffer.elementsInOrder() {
            events[KeyGroups.group(ofHash: StableHash.hash(entry.element.event.conversationId))].append(entry.element)
        }
        for group in writers.indices {
            writers[group].write(states[group]) { writer, entry in
                writer.write(entry.0)
                writer.write(entry.1)
            }
            writers[group].write(events[group]) { writer, pending in
                writer.write(pending.event)
                writer.write(pending.sequence)
            }
        }
    }

    mutating func restore(from reader: inout StateReader) throws(CheckpointError) {
        let count = try reader.readCount()
        for _ in 0..<count {
            let key = try reader.read(ExactKey.self)
            let state = try reader.read(PairConversationState.self)
            conversations.insert(key, hash: key.stableHash, value: state)
            insertExpiry(PairExpiry(time: state.lastTime.adding(retentionMs), conversationId: key.value))
            for pair in state.waits.firstPerRuleEvent {
                insertDeadline(
                    PairDeadline(
                        time: pair.rule.time.adding(joinTTLMs), conversationId: key.value, eventId: pair.rule.eventId,
                        ruleTime: pair.rule.time))
            }
        }
        let events = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            (event: try reader.read(ChatEvent.self), sequence: try reader.readInt64())
        }
        for pending in events { add(pending.event, sequence: pending.sequence) }
    }

    mutating func restoreWatermark(_ value: EventTime) { watermark = value }
}

extension SignalShardOperator {
    /// The shard's keyed state split by key group, taken at a checkpoint barrier.
    public func snapshot() -> ShardSnapshot {
        var writers = Array(repeating: StateWriter(capacity: 256), count: KeyGroups.count)
        quality.snapshot(into: &writers)
        conversations.snapshot(into: &writers)
        pairs.snapshot(into: &writers)
        // Only groups holding state: other shards own the rest, and their state must not be overwritten.
        let empty = Self.emptyGroup
        var groups: [Int: [UInt8]] = [:]
        for (group, writer) in writers.enumerated() where writer.bytes != empty { groups[group] = writer.bytes }
        return ShardSnapshot(groups: groups, watermark: watermark)
    }

    /// The state of a key group with no keys: four empty sections.
    public static let emptyGroup: [UInt8] = Array(repeating: 0, count: 4 * 8)

    /// Restores the key groups this shard owns from a checkpoint (each group as `snapshot` wrote it).
    public mutating func restore(groups: [[UInt8]], watermark: EventTime) throws(CheckpointError) {
        self.watermark = watermark
        quality.restoreWatermark(watermark)
        conversations.restoreWatermark(watermark)
        pairs.restoreWatermark(watermark)
        for bytes in groups {
            var reader = StateReader(bytes)
            try quality.restore(from: &reader)
            try conversations.restore(from: &reader)
            try pairs.restore(from: &reader)
            guard reader.isAtEnd else { throw CheckpointError(.corrupt, "key group state has trailing bytes") }
        }
    }
}
