import Synchronization

/// A model catalog that can be replaced while a live job runs (`flywheel serve` reloads it on SIGHUP and
/// `POST /v1/admin/reload`).
///
/// Operators take the current catalog at a batch boundary: one atomic load per batch tells them whether it
/// changed, and only then do they take the lock. Every event of a batch is priced with one catalog; events of
/// batches taken after `replace(with:)` returned are priced with the new one. Thread-safe.
public final class LiveModelCatalog: Sendable {
    /// Bumped by every replacement; read without the lock.
    private let generation = Atomic<Int>(0)
    private let current: Mutex<ModelCatalog>

    public init(_ catalog: ModelCatalog) {
        current = Mutex(catalog)
    }

    /// The catalog in force.
    public var catalog: ModelCatalog { current.withLock { $0 } }

    /// How many times the catalog was replaced.
    public var replacements: Int { generation.load(ordering: .acquiring) }

    /// Puts `catalog` in force for the batches operators take from now on.
    public func replace(with catalog: ModelCatalog) {
        current.withLock {
            $0 = catalog
            generation.add(1, ordering: .releasing)
        }
    }

    /// The catalog and its generation when the generation differs from `seen`, else nil (no lock taken).
    func changed(since seen: Int) -> (generation: Int, catalog: ModelCatalog)? {
        guard generation.load(ordering: .acquiring) != seen else { return nil }
        return current.withLock { catalog in (generation.load(ordering: .acquiring), catalog) }
    }
}
