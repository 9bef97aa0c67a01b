import FlywheelEngine

/// An accepted event on its way to a shard, with the watermark that held when it arrived.
public struct RoutedEvent: Sendable {
    public var event: ChatEvent
    public var watermarkBefore: EventTime
    /// This shard owns the event's conversation (sessions, SFT, pairs).
    public var forConversation: Bool
    /// This shard owns the event's (model, variant) key (model_quality, alerts).
    public var forModel: Bool
    /// The event's arrival sequence number (dates the dead letters it may cause).
    public var sequence: Int64
    /// `StableHash.hash(event.conversationId)`, computed once for routing and every operator that
    /// keeps per-conversation state.
    public var conversationHash: UInt64
    /// `StableHash.hash(model, variant)`, the key of model_quality's state; meaningful only when
    /// `forModel` (routing leaves it 0 for events model_quality does not count).
    public var modelHash: UInt64

    /// `conversationHash` and `modelHash` are computed when not given.
    public init(
        event: ChatEvent, watermarkBefore: EventTime, forConversation: Bool, forModel: Bool, sequence: Int64 = 0,
        conversationHash: UInt64? = nil, modelHash: UInt64? = nil
    ) {
        self.event = event
        self.watermarkBefore = watermarkBefore
        self.forConversation = forConversation
        self.forModel = forModel
        self.sequence = sequence
        self.conversationHash = conversationHash ?? event.conversationHash
        self.modelHash = modelHash ?? Self.modelHash(of: event) ?? 0
    }

    /// Before the event at `index` is processed: starts loading the fields of the event four places on, and
    /// the text of the one two places on, whose fields the call two events ago started loading (see
    /// `Prefetch`). Touches no reference count.
    @inline(__always)
    static func prefetch(_ events: UnsafeBufferPointer<RoutedEvent>, before index: Int) {
        let offset = MemoryLayout<RoutedEvent>.offset(of: \RoutedEvent.event)!
        let base = UnsafeRawPointer(events.baseAddress!)
        if index &+ 4 < events.count {
            ChatEvent.prefetchFields(base + (index &+ 4) &* MemoryLayout<RoutedEvent>.stride + offset)
        }
        if index &+ 2 < events.count {
            ChatEvent.prefetchText(base + (index &+ 2) &* MemoryLayout<RoutedEvent>.stride + offset)
        }
    }

    /// `StableHash.hash(model, variant)`, from the names' bytes; nil when the event has no model.
    @inline(__always)
    public static func modelHash(of event: borrowing ChatEvent) -> UInt64? {
        event.withId(.model) { model in
            guard let model else { return nil }
            // Every event has a variant's bytes ("default" when it came without one).
            return event.withId(.variant) { StableHash.hash(bytes: model, $0!) }
        }
    }

    /// Appends an accepted event to the batch of each shard that needs it, out of `batches.count`:
    /// the shard that owns its conversation, and, when model_quality counts the event and another
    /// shard owns its (model, variant), that one too. `sequence` is the event's arrival number.
    public static func route(
        _ event: consuming ChatEvent, watermarkBefore: EventTime, sequence: Int64, into batches: inout [[RoutedEvent]]
    ) {
        let hash = event.conversationHash
        let modelHash = event.type.countsForModelQuality ? modelHash(of: event) : nil
        let (conversationShard, modelShard) = shards(conversationHash: hash, modelHash: modelHash, count: batches.count)
        if let modelShard, modelShard != conversationShard {
            batches[modelShard].append(
                RoutedEvent(
                    event: copy event, watermarkBefore: watermarkBefore, forConversation: false, forModel: true,
                    sequence: sequence, conversationHash: hash, modelHash: modelHash))
        }
        batches[conversationShard].append(
            RoutedEvent(
                event: consume event, watermarkBefore: watermarkBefore, forConversation: true,
                forModel: modelShard == conversationShard, sequence: sequence, conversationHash: hash,
                modelHash: modelHash ?? 0))
    }

    /// The shards of an event whose conversation id hashes to `conversationHash` and whose
    /// (model, variant) hashes to `modelHash`: by conversation, and by (model, variant) when
    /// model_quality counts it (`modelHash` is nil when it does not).
    /// Keys go to key groups by stable hash, and key groups to shards in contiguous ranges, so state
    /// checkpointed at one parallelism restores at another.
    static func shards(
        conversationHash: UInt64, modelHash: UInt64?, count: Int
    ) -> (conversation: Int, model: Int?) {
        guard count > 1 else { return (0, modelHash == nil ? nil : 0) }
        return (shard(ofHash: conversationHash, count: count), modelHash.map { shard(ofHash: $0, count: count) })
    }

    @inline(__always)
    static func shard(ofHash hash: UInt64, count: Int) -> Int {
        KeyGroups.shard(ofGroup: KeyGroups.group(ofHash: hash), parallelism: count)
    }
}

/// Every signal operator of one shard, fed in arrival order with the watermark each event saw.
public struct SignalShardOperator: ShardOperator {
    public typealias Input = RoutedEvent
    public typealias Output = SignalRecord

    var quality: ModelQualityOperator
    var conversations: ConversationOperator
    var pairs: PreferencePairOperator
    private let runQuality: Bool
    private let runConversations: Bool
    private let runPairs: Bool
    var watermark = EventTime.min
    /// Conversations with an open session (for memory benchmarks).
    public var openConversationSessions: Int { conversations.sessions.openKeys }
    /// Conversations whose preference-pair state is kept (for memory benchmarks).
    public var pairConversations: Int { pairs.conversations.count }
    /// The catalog a live service can replace, looked at once per batch; nil: `catalog` for good.
    private let liveCatalog: LiveModelCatalog?
    /// The generation of `liveCatalog` in use (0: the one given at init).
    private var catalogGeneration = 0

    /// Operators whose outputs the pipeline does not ask for are not run at all. With `liveCatalog` (whose
    /// generation 0 must be `catalog`), each batch is priced with the catalog in force when it is taken.
    /// `pool`: where events this shard is done with go back to the decoders (the job's one pool).
    public init(
        config: PipelineConfig, catalog: ModelCatalog?, sourceNames: [String], liveCatalog: LiveModelCatalog? = nil,
        pool: ChatEventPool? = nil
    ) {
        self.liveCatalog = liveCatalog
        quality = ModelQualityOperator(config: config, catalog: catalog)
        conversations = ConversationOperator(config: config)
        pairs = PreferencePairOperator(config: config, sourceNames: sourceNames)
        runQuality = config.signals.runs(Self.qualityID)
        runConversations = config.signals.runs(Self.conversationsID)
        runPairs = config.signals.runs(Self.pairsID)
        pairs.returns = pool.map { ChatEventReturns(pool: $0) }
    }

    public mutating func process(_ batch: inout ShardBatch<RoutedEvent>, into output: inout [SignalRecord]) {
        if let liveCatalog, let changed = liveCatalog.changed(since: catalogGeneration) {
            catalogGeneration = changed.generation
            quality.use(changed.catalog)
        }
        // Each record is moved out while it is processed: iterating the array, or borrowing through its
        // buffer, would retain and release each event.
        // The events' storages were written on the decoder's core: loading a few events ahead overlaps the misses.
        let trail = batch.trail
        batch.records.forEachMovedOut(prefetching: RoutedEvent.prefetch) { (routed: inout RoutedEvent) in
            process(&routed, trail: trail, into: &output)
        }
        if batch.watermark > watermark { advance(to: batch.watermark, trail: batch.trail, into: &output) }
        // Events the pair operator still buffers are handed back when it releases them.
        pairs.recycle(&batch.records)
    }

    /// The pair operator takes the event out of `routed` when it keeps it (see `PreferencePairOperator.add(taking:)`).
    private mutating func process(
        _ routed: inout RoutedEvent, trail: WatermarkTrail, into output: inout [SignalRecord]
    ) {
        if routed.watermarkBefore > watermark { advance(to: routed.watermarkBefore, trail: trail, into: &output) }
        if routed.forModel && runQuality { quality.add(routed.event, keyHash: routed.modelHash, into: &output) }
        if routed.forConversation {
            if runConversations { conversations.add(routed.event, hash: routed.conversationHash, into: &output) }
            // An event accepted at or behind the watermark (allowed lateness) waits for the next advance.
            if runPairs {
                pairs.add(taking: &routed.event, sequence: routed.sequence, conversationHash: routed.conversationHash)
            }
        }
    }

    private mutating func advance(to newWatermark: EventTime, trail: WatermarkTrail, into output: inout [SignalRecord])
    {
        watermark = newWatermark
        if runQuality { quality.advance(to: newWatermark, into: &output) }
        if runConversations { conversations.advance(to: newWatermark, into: &output) }
        if runPairs { pairs.advance(to: newWatermark, trail: trail, into: &output) }
    }
}
