import FlywheelEngine
import Foundation

/// The replay a checkpoint folder belongs to; a folder is never reused for another job.
public struct CheckpointJob: Codable, Sendable, Equatable {
    public var inputs: [String]
    public var output: String
    /// The effective pipeline configuration, so a changed pipeline is not resumed silently.
    public var pipeline: String
}

/// A checkpoint folder: `job.json`, numbered checkpoint files written atomically (write, fsync,
/// rename), and a `finished.json` marker once the replay has completed. Keeps the last `keep` files.
public struct CheckpointStore: Sendable {
    public let path: String
    public let keep: Int

    public init(path: String, keep: Int = 3) throws(ConnectorError) {
        self.path = path
        self.keep = max(1, keep)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ConnectorError(.writeFailed, "cannot create checkpoint folder \(path): \(error.localizedDescription)")
        }
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    static func name(of id: Int64) -> String { String(format: "checkpoint-%08lld.bin", id) }

    /// The ids of the checkpoint files present, oldest first.
    public func ids() -> [Int64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.compactMap { name -> Int64? in
            guard name.hasPrefix("checkpoint-"), name.hasSuffix(".bin") else { return nil }
            return Int64(name.dropFirst("checkpoint-".count).dropLast(".bin".count))
        }.sorted()
    }

    /// Writes a checkpoint atomically and prunes old ones; returns its size in bytes.
    @discardableResult
    public func write(_ data: CheckpointData) throws(ConnectorError) -> Int {
        let bytes = data.encoded()
        try AtomicFile.write(bytes, to: file(Self.name(of: data.id)))
        for old in ids().dropLast(keep) { try? FileManager.default.removeItem(atPath: file(Self.name(of: old))) }
        return bytes.count
    }

    /// Reads one checkpoint file.
    public func read(_ id: Int64) throws -> CheckpointData {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file(Self.name(of: id)))))
        return try CheckpointData(decoding: bytes)
    }

    /// The newest checkpoint that reads back intact; damaged newer ones are reported in `warnings`.
    public func latest() -> (data: CheckpointData?, warnings: [String]) {
        var warnings: [String] = []
        for id in ids().reversed() {
            do {
                return (try read(id), warnings)
            } catch {
                warnings.append("checkpoint \(Self.name(of: id)) is unusable (\(error)); using the previous one")
            }
        }
        return (nil, warnings)
    }

    public func readJob() -> CheckpointJob? {
        guard let data = FileManager.default.contents(atPath: file("job.json")) else { return nil }
        return try? JSONDecoder().decode(CheckpointJob.self, from: data)
    }

    public func writeJob(_ job: CheckpointJob) throws(ConnectorError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(job) else { throw ConnectorError(.writeFailed, "cannot encode job.json") }
        try AtomicFile.write([UInt8](data), to: file("job.json"))
    }

    /// A small named list of offsets kept beside the checkpoints (e.g. where an output topic started).
    public func readOffsets(_ name: String) -> [Int64]? {
        guard let data = FileManager.default.contents(atPath: file(name + ".json")) else { return nil }
        return try? JSONDecoder().decode([Int64].self, from: data)
    }

    public func writeOffsets(_ name: String, _ offsets: [Int64]) throws(ConnectorError) {
        guard let data = try? JSONEncoder().encode(offsets) else {
            throw ConnectorError(.writeFailed, "cannot encode offsets")
        }
        try AtomicFile.write([UInt8](data), to: file(name + ".json"))
    }

    /// The summary written when the replay completed, if it did.
    public func finishedSummary() -> String? {
        FileManager.default.contents(atPath: file("finished.json")).map { String(decoding: $0, as: UTF8.self) }
    }

    public func markFinished(summary: String) throws(ConnectorError) {
        try AtomicFile.write(Array(summary.utf8), to: file("finished.json"))
    }
}

/// Writes a file so that readers see either the old content or the new one, never a mix:
/// write to a temporary name, fsync, rename, fsync the folder.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws(ConnectorError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ConnectorError(.writeFailed, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        let failure: Int32? = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += count
            }
            return fsync(fd) == 0 ? nil : errno
        }
        close(fd)
        if let failure {
            throw ConnectorError(.writeFailed, "cannot write \(temporary): \(String(cString: strerror(failure)))")
        }
        guard rename(temporary, path) == 0 else {
            throw ConnectorError(.writeFailed, "cannot rename \(temporary): \(String(cString: strerror(errno)))")
        }
        let folder = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }
}
