extension KeyedSessionWindows: KeyGroupedState where Key: StateCodable & KeyGroupHashable, Accumulator: StateCodable {
    public func snapshot(into writers: inout [StateWriter]) {
        forEachKeyGroup(count: writers.count) { group, slots in
            writers[group].write(slots.count)
            for slot in slots {
                withKey(at: Int(slot)) { key, sessions in
                    writers[group].write(key)
                    writers[group].write(sessions.count)
                    sessions.forEach { session in
                        writers[group].write(session.window)
                        writers[group].write(session.hasFired)
                        writers[group].write(session.accumulator)
                    }
                }
            }
        }
    }

    public mutating func restore(from reader: inout StateReader) throws(CheckpointError) {
        let count = try reader.readCount()
        for _ in 0..<count {
            let key = try reader.read(Key.self)
            let sessions = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
                Session(window: try reader.readWindow(), accumulator: Accumulator(), hasFired: try reader.readBool())
                    .with(accumulator: try reader.read(Accumulator.self))
            }
            restoreKey(key, sessions: sessions)
        }
    }
}

extension KeyedSessionWindows.Session {
    func with(accumulator: Accumulator) -> Self {
        var copy = self
        copy.accumulator = accumulator
        return copy
    }
}
