import FlywheelEngine
import Synchronization

/// Event storage that shards hand back to the decoders, so that an event's memory is allocated and
/// freed by the thread that decodes it.
///
/// Every accepted event is decoded on an ingest thread and dropped by a shard. With glibc's allocator a
/// block freed by another thread than the one that allocated it goes back to that thread's arena under
/// the arena's lock, which the decoding thread holds for its own allocations: measured, 50-100 thousand
/// lock waits (context switches) per million events. A shard done with an event whose storage nothing
/// else references (`ChatEventReturns`) hands the storage back in batches; a decoder fills it with its
/// next event, which releases the old event's strings on the decoding thread too. What the pool does not
/// take (it holds at most `capacity`) is freed where it is dropped, as before.
public final class ChatEventPool: Sendable {
    private struct State {
        /// Storages waiting, in the batches they came in: a whole batch changes hands as one array, not
        /// storage by storage (a retain and a release each, on memory another core wrote).
        var batches: [[ChatEvent.Storage]] = []
        var count = 0
        /// Emptied arrays, their room kept, handed to shards in exchange for full ones.
        var empties: [[ChatEvent.Storage]] = []
        var taken = 0
    }
    private let state = Mutex(State())
    /// At most this many storages wait in the pool.
    public let capacity: Int

    /// 2,048 storages: eight batches of the decoder's, enough to even out the shards' returns (a full pool
    /// keeps at most 2 KiB of text and 1 KiB of raw line per storage, about 7 MB).
    public init(capacity: Int = 2048) {
        self.capacity = capacity
    }

    /// Storages waiting to be reused.
    public var count: Int { state.withLock { $0.count } }
    /// Storages taken by decoders so far.
    public var taken: Int { state.withLock { $0.taken } }

    /// Takes `storages` (leaving it empty): as many as there is room for; the rest are released here.
    func give(_ storages: inout [ChatEvent.Storage]) {
        state.withLock { state in
            let room = capacity - state.count
            if room >= storages.count {
                state.count += storages.count
                // The array itself moves in; an emptied one, with its room, takes its place.
                var batch = state.empties.popLast() ?? []
                swap(&batch, &storages)
                state.batches.append(batch)
            } else if room > 0 {
                state.count += room
                state.batches.append(Array(storages[..<room]))
            }
        }
        storages.removeAll(keepingCapacity: true)
    }

    /// Moves up to `count` storages to the end of `storages`: a whole batch at once when `storages` is empty
    /// and the batch fits (its emptied array goes to the pool for a shard to fill).
    func take(_ count: Int, into storages: inout [ChatEvent.Storage]) {
        state.withLock { state in
            while storages.count < count, var batch = state.batches.popLast() {
                let wanted = count - storages.count
                if storages.isEmpty && batch.count <= wanted {
                    state.count -= batch.count
                    state.taken += batch.count
                    swap(&batch, &storages)
                    if batch.capacity > 0 && state.empties.count < 16 { state.empties.append(batch) }
                    continue
                }
                let moved = Swift.min(wanted, batch.count)
                storages.append(contentsOf: batch[(batch.count - moved)...])
                batch.removeLast(moved)
                state.count -= moved
                state.taken += moved
                if !batch.isEmpty { state.batches.append(batch) }
            }
        }
    }
}

/// A shard's side of a `ChatEventPool`: events it is done with are collected here and handed back
/// `batchSize` at a time (one lock per batch, not per event).
public struct ChatEventReturns: Sendable {
    public let pool: ChatEventPool
    private var pending: [ChatEvent.Storage] = []
    /// What recycled events are left holding: this shard's own, so that no other core touches its
    /// reference count.
    private let empty = ChatEvent.emptyStorage()
    static let batchSize = 256

    public init(pool: ChatEventPool) {
        self.pool = pool
        pending.reserveCapacity(Self.batchSize)
    }

    /// Takes the event's storage when nothing else references it (the event is left empty).
    @inline(__always)
    public mutating func recycle(_ event: inout ChatEvent) {
        event.recycle(into: &pending, leaving: empty)
        if pending.count >= Self.batchSize { give() }
    }

    /// `recycle(_:)` for an event done with: its storage is taken when nothing else references it, and nothing is
    /// left in its place (a placeholder would be retained, then released with the event).
    @inline(__always)
    public mutating func recycle(taking event: consuming ChatEvent) {
        // Consumed explicitly, as callers consume what they pass: a copy would hold a second reference, and the
        // storage would never look unique.
        (consume event).recycle(into: &pending)
        if pending.count >= Self.batchSize { give() }
    }

    /// Hands back what was collected.
    public mutating func flush() {
        if !pending.isEmpty { give() }
    }

    private mutating func give() {
        pool.give(&pending)
        if pending.capacity < Self.batchSize { pending.reserveCapacity(Self.batchSize) }
    }
}

/// A decoder's side of a `ChatEventPool`: storages taken `batchSize` at a time.
struct ChatEventSpares {
    let pool: ChatEventPool?
    private var spare: [ChatEvent.Storage] = []

    init(pool: ChatEventPool?) {
        self.pool = pool
    }

    /// A storage no one else references, or nil (the event gets a new one).
    @inline(__always)
    mutating func next() -> ChatEvent.Storage? {
        // Not bound to a local: `guard let pool` retained and released the pool for every event.
        guard pool != nil else { return nil }
        if spare.isEmpty { pool!.take(ChatEventReturns.batchSize, into: &spare) }
        // A storage is only pooled when its event held the one reference; checked again, as reusing a
        // shared one would change another event.
        while !spare.isEmpty {
            if isKnownUniquelyReferenced(&spare[spare.count - 1]) {
                prefetchNext()
                return spare.removeLast()
            }
            spare.removeLast()
        }
        return nil
    }

    /// Starts loading the storages the next two events will be decoded into: a shard wrote them last, and a
    /// decoder writing one line, or counting a reference, would wait for each of its lines in turn. The one
    /// after next is loaded whole; the next one, loaded by the last call, has its text's room loaded too.
    /// The storages' addresses are read as raw pointers: reading them as references would count a reference,
    /// an atomic write that waits for the very line the prefetch is meant to start loading.
    @inline(__always)
    private func prefetchNext() {
        let count = spare.count
        guard count >= 2 else { return }
        spare.withUnsafeBytes { references in
            let stride = MemoryLayout<ChatEvent.Storage>.stride
            if count >= 3 {
                let afterNext = references.load(fromByteOffset: (count - 3) * stride, as: UnsafeRawPointer.self)
                Prefetch.forWriting(afterNext, bytes: ChatEvent.Storage.prefetchedBytes)
            }
            let next = references.load(fromByteOffset: (count - 2) * stride, as: UnsafeRawPointer.self)
            Unmanaged<ChatEvent.Storage>.fromOpaque(next)._withUnsafeGuaranteedRef { $0.prefetchText(forWriting: true) }
        }
    }
}
