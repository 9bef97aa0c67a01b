/// Sifting for a binary min-heap kept in an array of small keys, each naming a slot of storage kept beside
/// it: moving keys never copies the stored values (a heap of the values themselves copies those it
/// compares, a retain and release of every reference they hold). `less` orders two keys, reading what it
/// needs from the storage in place.
public enum KeyHeap {
    /// Moves the key at `start` up to its place.
    @inlinable
    public static func siftUp<Key>(_ heap: inout [Key], from start: Int, by less: (Key, Key) -> Bool) {
        var child = start
        let key = heap[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(key, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = key
    }

    /// Moves the key at `start` down to its place.
    @inlinable
    public static func siftDown<Key>(_ heap: inout [Key], from start: Int, by less: (Key, Key) -> Bool) {
        var parent = start
        let key = heap[parent]
        let count = heap.count
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count && less(heap[child + 1], heap[child]) { child += 1 }
            guard less(heap[child], key) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = key
    }

    /// Removes the first key (the heap must not be empty) and restores the order of the rest.
    @inlinable
    public static func removeFirst<Key>(_ heap: inout [Key], by less: (Key, Key) -> Bool) -> Key {
        let first = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(&heap, from: 0, by: less)
        }
        return first
    }
}
