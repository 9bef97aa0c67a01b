// Moving elements out of an array instead of copying them: a copy of a value that holds references is a
// retain and a release per reference, atomic operations on memory that another core may have written.

extension Array {
    /// Calls `body` with each element in order, moved out of the array while `body` runs and put back after:
    /// `body` borrows an owned local, which costs no reference count. (Borrowed through the array's buffer
    /// instead, each element is retained and released around the call, since the compiler cannot tell that
    /// `body` leaves the buffer alone: for a shard's events, an atomic operation pair per event on memory the
    /// ingest thread wrote.) `body` must not touch the array.
    @inlinable
    public mutating func forEachMovedOut(_ body: (borrowing Element) -> Void) {
        forEachMovedOut(prefetching: { _, _ in }) { (element: inout Element) in body(element) }
    }

    /// `forEachMovedOut(_:)` with each element handed to `body` to change (or to take parts of, leaving others in
    /// their place; what `body` leaves goes back into the array), first calling `prefetch` with the elements and
    /// the index of the one `body` is about to get: to start loading the memory that elements further on point to
    /// (see `Prefetch`) while `body` works on this one. `prefetch` must only read the bytes of elements after that
    /// index (no reference count).
    @inlinable
    public mutating func forEachMovedOut(
        prefetching prefetch: (UnsafeBufferPointer<Element>, Int) -> Void, _ body: (inout Element) -> Void
    ) {
        withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let elements = UnsafeBufferPointer(buffer)
            for index in 0..<buffer.count {
                prefetch(elements, index)
                var element = (base + index).move()
                body(&element)
                (base + index).initialize(to: consume element)
            }
        }
    }

    /// Calls `body` with each element in order, moved out of the array (no copy: no retain and release), and
    /// leaves `placeholder` in its place (a value that holds no memory, so that the array's later release of it
    /// costs nothing). `body` must not touch the array.
    @inlinable
    public mutating func consumeEach(leaving placeholder: Element, _ body: (consuming Element) -> Void) {
        withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for index in 0..<buffer.count {
                let element = (base + index).move()
                (base + index).initialize(to: placeholder)
                body(element)
            }
        }
    }
}
