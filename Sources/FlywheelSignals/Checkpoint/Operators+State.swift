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
        let slots = conversations.slotsByGroup(count: writers.count) { KeyGroups.group(ofHash: $0.stableHash) }
        var events = Array(repeating: [SequencedEvent](), count: writers.count)
        for entry in buffer.elementsInOrder() {
            events[KeyGroups.group(ofHash: StableHash.hash(entry.element.event!.conversationId))].append(entry.element)
        }
        for group in writers.indices {
            writers[group].write(slots[group].count)
            for slot in slots[group] {
                conversations.withEntry(at: Int(slot)) { key, state in
                    writers[group].write(key)
                    state.encode(to: &writers[group])
                }
            }
            writers[group].write(events[group]) { writer, pending in
                writer.write(pending.event!)
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

extension SignalShardOperator: ShardState {
    /// The stable ids of the shard's stateful operators, which name their state in checkpoints.
    public static let qualityID = OperatorID.modelQuality
    public static let conversationsID = OperatorID.conversations
    public static let pairsID = OperatorID.preferencePairs

    /// The shard's keyed state per operator, split by key group, taken at a checkpoint barrier: a
    /// copy of the operators (value types: cheap to take), encoded when the checkpoint is written.
    public func snapshot() -> ShardSnapshot { ShardSnapshot(watermark: watermark, state: self) }

    /// The shard's keyed state per operator, split by key group.
    public func encodedState() -> [OperatorID: [Int: [UInt8]]] {
        var operators: [OperatorID: [Int: [UInt8]]] = [:]
        func keep(_ id: OperatorID, _ write: (inout [StateWriter]) -> Void) {
            var writers = Array(repeating: StateWriter(capacity: 64), count: KeyGroups.count)
            write(&writers)
            // Only groups holding keys: other shards own the rest, and their state must not be
            // overwritten. A group without keys is all zeros (its sections' counts).
            var groups: [Int: [UInt8]] = [:]
            for (group, writer) in writers.enumerated() where writer.bytes.contains(where: { $0 != 0 }) {
                groups[group] = writer.bytes
            }
            operators[id] = groups
        }
        keep(Self.qualityID) { quality.snapshot(into: &$0) }
        keep(Self.conversationsID) { conversations.snapshot(into: &$0) }
        keep(Self.pairsID) { pairs.snapshot(into: &$0) }
        return operators
    }

    /// Restores the key groups `owned` (this shard's) of every operator from a checkpoint's states
    /// (each group as `snapshot` wrote it; empty bytes: no key). State of an operator id this shard
    /// does not run is ignored.
    public mutating func restore(
        _ states: [OperatorState], owned: [Int], watermark: EventTime
    ) throws(CheckpointError) {
        self.watermark = watermark
        quality.restoreWatermark(watermark)
        conversations.restoreWatermark(watermark)
        pairs.restoreWatermark(watermark)
        for state in states {
            for group in owned where !state.groups[group].isEmpty {
                var reader = StateReader(state.groups[group])
                switch state.id {
                case Self.qualityID: try quality.restore(from: &reader)
                case Self.conversationsID: try conversations.restore(from: &reader)
                case Self.pairsID: try pairs.restore(from: &reader)
                default: continue
                }
                guard reader.isAtEnd else {
                    throw CheckpointError(.corrupt, "\(state.id.raw) state of key group \(group) has trailing bytes")
                }
            }
        }
    }
}
