import FlywheelEngine

extension SignalRecord: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(UInt8(kind.rawValue))
        writer.write(key.first)
        writer.write(key.second)
        writer.write(key.text1)
        writer.write(key.text2)
        writer.write(bytes: line)
        writer.write(isUnresolvedReference)
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        guard let kind = RecordKind(rawValue: Int(try reader.readByte())) else {
            throw CheckpointError(.corrupt, "bad record kind")
        }
        let key = OutputSortKey(
            try reader.readInt64(), try reader.readInt64(), try reader.readString(), try reader.readString())
        self.init(kind: kind, key: key, line: try reader.readBytes(), isUnresolvedReference: try reader.readBool())
    }
}

extension SignalCounters: StateCodable {
    public func encode(to writer: inout StateWriter) {
        for value in [eventsIn, invalidEvents, duplicatesDropped, lateEvents, eventsAccepted, unresolvedReferences] {
            writer.write(value)
        }
        for kind in SignalKind.allCases { writer.write(signalsOut[kind] ?? 0) }
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        self.init()
        eventsIn = try reader.readInt64()
        invalidEvents = try reader.readInt64()
        duplicatesDropped = try reader.readInt64()
        lateEvents = try reader.readInt64()
        eventsAccepted = try reader.readInt64()
        unresolvedReferences = try reader.readInt64()
        for kind in SignalKind.allCases { signalsOut[kind] = try reader.readInt64() }
    }
}

extension OrderedOutput {
    /// The records still waiting for their turn, in file order per kind (for checkpoints).
    public func pendingRecords() -> [SignalRecord] {
        pending.flatMap { $0.recordsInOrder() }
    }

    /// An instance for `shards` shards that resumes at a checkpoint: every shard is taken to have
    /// reached `watermark` and `sequence`, and `records` wait as they did.
    public init(
        shards: Int, allowedLatenessMs: Int64, resumingAt watermark: EventTime, sequence: Int64, records: [SignalRecord]
    ) {
        self.init(shards: shards, allowedLatenessMs: allowedLatenessMs)
        for shard in 0..<shards { add([], shard: shard, watermark: watermark, sequence: sequence) }
        addSide(records)
    }
}

extension IngestState: StateCodable {
    public func encode(to writer: inout StateWriter) {
        writer.write(counters)
        writer.write(watermarks)
        writer.write(deduplicator)
        writer.write(allowedLatenessMs)
    }

    public init(from reader: inout StateReader) throws(CheckpointError) {
        let counters = try reader.read(SignalCounters.self)
        let watermarks = try reader.read(WatermarkTracker.self)
        let deduplicator = try reader.read(Deduplicator.self)
        self.init(
            restoring: counters, watermarks: watermarks, deduplicator: deduplicator,
            allowedLatenessMs: try reader.readInt64())
    }
}
