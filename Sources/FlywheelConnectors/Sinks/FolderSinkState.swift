import FlywheelEngine
import FlywheelSignals

/// What a folder sink's snapshot records, per record kind: enough for `restore` to bring the folder
/// back to exactly what was written before the snapshot.
///
/// Bytes: a version byte, then a count of kinds and, per kind, its name (the stable id, not the enum's
/// position), the next file number, the open file (a flag, then its number and committed length) and
/// the numbers of the pending files (closed, not yet given their final names).
struct FolderSinkState {
    static let version: UInt8 = 1

    /// One kind's files at the snapshot.
    struct Kind {
        /// The number the next new file gets (1 when the kind never had a file).
        var nextNumber: Int64 = 1
        /// The file still open at the snapshot and its length then (fsynced).
        var open: (number: Int64, length: Int64)?
        /// Closed files still named `.inprogress` at the snapshot, complete and fsynced.
        var pending: [Int64] = []
    }

    /// Kinds that had a file by the snapshot; a kind left out had none.
    var kinds: [RecordKind: Kind] = [:]

    func encoded() -> [UInt8] {
        var writer = StateWriter(capacity: 64 + 64 * kinds.count)
        writer.write(Self.version)
        let sorted = kinds.sorted { $0.key.rawValue < $1.key.rawValue }
        writer.write(sorted) { writer, entry in
            writer.write(entry.key.name)
            writer.write(entry.value.nextNumber)
            writer.write(entry.value.open != nil)
            if let open = entry.value.open {
                writer.write(open.number)
                writer.write(open.length)
            }
            writer.write(entry.value.pending) { writer, number in writer.write(number) }
        }
        return writer.bytes
    }

    /// Reads what `encoded()` wrote; `path` names the sink in errors.
    init(decoding bytes: [UInt8], path: String) throws(ConnectorError) {
        do {
            try self.init(reading: bytes)
        } catch {
            throw ConnectorError(
                .corrupt,
                "the checkpoint's state of folder sink \(path) is damaged (\(error.message)): "
                    + "resume from another checkpoint or start the job afresh", cause: error)
        }
    }

    init() {}

    private init(reading bytes: [UInt8]) throws(CheckpointError) {
        var reader = StateReader(bytes)
        let version = try reader.readByte()
        guard version == Self.version else {
            throw CheckpointError(.versionMismatch, "state version \(version), this build reads \(Self.version)")
        }
        let entries = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
            let name = try reader.readString()
            guard let kind = RecordKind(signalName: name) else {
                throw CheckpointError(.corrupt, "unknown record kind \"\(name)\"")
            }
            var entry = Kind(nextNumber: try reader.readInt64())
            if try reader.readBool() { entry.open = (try reader.readInt64(), try reader.readInt64()) }
            entry.pending = try reader.readArray { (reader: inout StateReader) throws(CheckpointError) in
                try reader.readInt64()
            }
            try entry.check(name)
            return (kind, entry)
        }
        guard reader.isAtEnd else { throw CheckpointError(.corrupt, "unexpected bytes at \(reader.offset)") }
        for (kind, entry) in entries {
            guard kinds.updateValue(entry, forKey: kind) == nil else {
                throw CheckpointError(.corrupt, "record kind \(kind.name) appears twice")
            }
        }
    }
}

extension FolderSinkState.Kind {
    /// Invariant: every number is below `nextNumber`, and the open file and pending files are distinct.
    fileprivate func check(_ name: String) throws(CheckpointError) {
        let numbers = pending + (open.map { [$0.number] } ?? [])
        let valid =
            nextNumber >= 1 && nextNumber <= FolderSinkKind.maximumNumber + 1
            && numbers.allSatisfy { $0 >= 1 && $0 < nextNumber } && Set(numbers).count == numbers.count
            && (open?.length ?? 0) >= 0
        guard valid else { throw CheckpointError(.corrupt, "inconsistent file numbers for \(name)") }
    }
}
