import CZlib
import FlywheelRuntime
import Foundation

/// How a checkpointed replay makes sure it resumes the inputs it started on.
///
/// Every checkpoint records, per input file, its size when the run started and the CRC-32 of its
/// (decompressed) bytes up to where the checkpoint stopped reading (`InputPosition.hash`, kept by
/// the reader as it goes). A resume re-reads those bytes and refuses when the size or the hash
/// differs: a replaced, truncated or appended-to file would otherwise give output that mixes two
/// inputs. Topic partitions are append-only: their offsets are checked when they are opened
/// (`InputReader`), not hashed. Standard input cannot be checkpointed at all.
enum InputFingerprint {
    /// Throws unless every input file has the size and the bytes `checkpoint` recorded (in the
    /// state of the file source of input `i`, stored as `input-i`).
    static func verify(
        _ checkpoint: CheckpointData, inputs: [String], partitions: Int, checkpointDir: String
    ) throws(ConnectorError) {
        func refuse(_ what: String, _ why: String) -> ConnectorError {
            ConnectorError(
                .checkpointMismatch,
                "cannot resume from checkpoint \(checkpoint.id) in \(checkpointDir): \(what) \(why), so resuming "
                    + "would mix two different inputs. Restore the input as it was, or delete the checkpoint folder "
                    + "(and replay again with --force) to start from the beginning")
        }
        guard checkpoint.ingest.positions.count == partitions else {
            throw refuse(
                "the inputs now have \(partitions) partitions,",
                "the checkpoint has \(checkpoint.ingest.positions.count)")
        }
        for (index, path) in inputs.enumerated() where ReplaySource.topicName(of: path) == nil {
            guard let bytes = CheckpointData.section(ReplayJob.sourceID(index), in: checkpoint.sources),
                let (position, recordedSize) = try? FileSource.decode(bytes)
            else {
                throw refuse("input \(path)", "has no position in the checkpoint")
            }
            var status = stat()
            let size = stat(path, &status) == 0 ? Int64(status.st_size) : -1
            if recordedSize != size {
                throw refuse(
                    "input \(path)",
                    "has changed since the checkpoint was taken: it had \(recordedSize) bytes, now \(size)")
            }
            let hash: UInt32?
            do {
                hash = try prefixHash(path, bytes: position.offset)
            } catch {
                throw refuse("input \(path)", "can no longer be read as it was (\(error.message))")
            }
            guard let hash else {
                throw refuse("input \(path)", "now ends before byte \(position.offset), where the checkpoint stopped")
            }
            if hash != position.hash {
                throw refuse(
                    "input \(path)", "is not the file the checkpoint read: its first \(position.offset) bytes differ")
            }
        }
    }

    /// CRC-32 of the first `bytes` (decompressed) bytes of `path`; nil when it has fewer.
    static func prefixHash(_ path: String, bytes: Int64) throws(ConnectorError) -> UInt32? {
        let source = try ByteSource(path: path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var hash: UInt = 0
        var left = bytes
        while left > 0 {
            let count = try source.read(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<Int(min(left, 1 << 20))]))
            guard count > 0 else { return nil }
            hash = crc32(hash, buffer.baseAddress!.assumingMemoryBound(to: Bytef.self), UInt32(count))
            left -= Int64(count)
        }
        return UInt32(hash)
    }
}
