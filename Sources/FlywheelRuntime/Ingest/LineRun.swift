import FlywheelSignals

/// The few lines the fused ingest reads, then hashes and touches the de-dup slots of, then ingests: in memory it
/// allocates once, lines moved in and out. (An array of lines checked its uniqueness on every append and every
/// line swapped out, and destroyed the placeholders left behind: about eight runtime calls per line.)
struct LineRun: ~Copyable {
    private let lines: UnsafeMutablePointer<InputLine>
    private let idHashes: UnsafeMutablePointer<UInt64>
    let capacity: Int
    /// Lines `0..<count` are initialized.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        lines = .allocate(capacity: capacity)
        idHashes = .allocate(capacity: capacity)
    }

    deinit {
        lines.deinitialize(count: count)
        lines.deallocate()
        idHashes.deallocate()
    }

    /// Moves `line` in; the run must have room (a reader hands over at most the lines asked for).
    mutating func append(_ line: consuming InputLine) {
        precondition(count < capacity, "a reader handed over more lines than asked for")
        (lines + count).initialize(to: line)
        count += 1
    }

    /// Computes each line's `IngestState.idHash` (the decoder's when it has one) and hands it to `body`.
    func hashAll(_ body: (UInt64) -> Void) {
        for index in 0..<count {
            let hash = lines[index].idHash ?? IngestState.idHash(of: lines[index].decoded)
            idHashes[index] = hash
            body(hash)
        }
    }

    /// Moves every line out, in order, to `body` with the hash `hashAll` computed; the run is empty after.
    mutating func takeAll(_ body: (consuming InputLine, UInt64) -> Void) {
        let taken = count
        // Emptied first: a line `body` has taken is never deinitialized again, whatever happens after.
        count = 0
        for index in 0..<taken { body((lines + index).move(), idHashes[index]) }
    }
}
