extension KeyedWindowAggregator: KeyGroupedState where Key: StateCodable & KeyGroupHashable, Accumulator: StateCodable {
    public func snapshot(into writers: inout [StateWriter]) {
        var entries = Array(repeating: [(Window, Bool, Key, Accumulator)](), count: writers.count)
        for (window, keyed) in panesForSnapshot {
            let hasFired = firedForSnapshot.contains(window)
            keyed.forEach { key, acc in
                entries[KeyGroups.group(ofHash: key.stableHash)].append((window, hasFired, key, acc))
            }
        }
        for group in writers.indices {
            writers[group].write(entries[group]) { writer, entry in
                writer.write(entry.0)
                writer.write(entry.1)
                writer.write(entry.2)
                writer.write(entry.3)
            }
        }
    }

    public mutating func restore(from reader: inout StateReader) throws(CheckpointError) {
        let count = try reader.readCount()
        for _ in 0..<count {
            let window = try reader.readWindow()
            let hasFired = try reader.readBool()
            let key = try reader.read(Key.self)
            let acc = try reader.read(Accumulator.self)
            restoreEntry(window: window, hasFired: hasFired, key: key, accumulator: acc)
        }
    }
}

/// A key whose stable hash picks its key group.
public protocol KeyGroupHashable {
    var stableHash: UInt64 { get }
}

extension ExactKey: KeyGroupHashable, StateCodable {
    public var stableHash: UInt64 { StableHash.hash(value) }
    public func encode(to writer: inout StateWriter) { writer.write(value) }
    public init(from reader: inout StateReader) throws(CheckpointError) { self.init(try reader.readString()) }
}
