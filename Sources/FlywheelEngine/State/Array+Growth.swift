extension Array {
    /// Appends `element`, growing a full array by half its capacity (to `minimum` at least) instead of
    /// doubling it: for the small arrays kept per open key (a conversation's messages), where the room a
    /// doubling leaves empty is most of what the key costs. From 4: 4, 6, 9, 13, 19 places instead of 4, 8,
    /// 16; each growth copies the elements once (moves: no reference count).
    @inlinable
    public mutating func appendGrowingByHalf(_ element: consuming Element, minimum: Int) {
        if count == capacity { reserveCapacity(Swift.max(minimum, capacity + capacity / 2)) }
        append(element)
    }
}
