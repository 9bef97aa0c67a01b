import FlywheelEngine
import FlywheelRuntime
import Foundation

/// The replay a checkpoint folder belongs to; a folder is never reused for another job.
public struct CheckpointJob: Codable, Sendable, Equatable {
    /// Input files by canonical path (`CanonicalPath`), `topic:NAME` as given.
    public var inputs: [String]
    /// The output folder's canonical path.
    public var output: String
    /// The effective pipeline configuration, so a changed pipeline is not resumed silently.
    public var pipeline: String
    /// The `source` names the first run gave its dead letters, late events and pairs (the inputs as
    /// spelled then), so that a resume spelled differently writes the same bytes. Nil in job files
    /// written before it was recorded; not part of the job's identity.
    public var sourceNames: [String]?

    public init(inputs: [String], output: String, pipeline: String, sourceNames: [String]? = nil) {
        self.inputs = inputs
        self.output = output
        self.pipeline = pipeline
        self.sourceNames = sourceNames
    }

    /// The same job with its paths spelled canonically (relative paths are taken from the current
    /// folder), so that `out/`, `./out` and `/abs/out` are one job; without `sourceNames`.
    public var canonical: CheckpointJob {
        CheckpointJob(
            inputs: inputs.map { ReplaySource.topicName(of: $0) == nil && $0 != "-" ? CanonicalPath.of($0) : $0 },
            output: CanonicalPath.of(output), pipeline: pipeline)
    }
}

/// A checkpoint folder: `job.json`, numbered checkpoint files written atomically (write, fsync,
/// rename), and a `finished.json` marker once the replay has completed. Keeps the last `keep` files.
public struct CheckpointStore: CheckpointStorage, Sendable {
    public let path: String
    public let keep: Int

    /// A checkpoint folder at `path`, which need not exist yet (`create()` makes it).
    public init(path: String, keep: Int = 3) throws(ConnectorError) {
        self.path = path
        self.keep = max(1, keep)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ConnectorError(.readFailed, "\(path) is a file, not a checkpoint folder")
        }
    }

    /// The checkpoint folder at `path`, which must exist and hold a replay's checkpoints (for
    /// commands that look into one: they never create it).
    public static func existing(_ path: String) throws(ConnectorError) -> CheckpointStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConnectorError(
                .inputNotFound, "checkpoint folder \(path) does not exist: name the --checkpoint-dir of a replay")
        }
        let store = try CheckpointStore(path: path)
        guard store.isCheckpointFolder else {
            throw ConnectorError(
                .inputNotFound,
                "\(path) is not a checkpoint folder (it has no job.json and no checkpoint-*.bin files): "
                    + "name the --checkpoint-dir of a replay")
        }
        return store
    }

    /// Creates the folder if it is missing.
    public func create() throws(ConnectorError) {
        try AtomicFile.createFolder(path, what: "checkpoint folder")
    }

    /// True when the folder holds anything a replay writes into its checkpoint folder.
    public var isCheckpointFolder: Bool {
        !names().filter { Self.isOurs($0) }.isEmpty
    }

    /// Every name in the folder (none when it is missing).
    func names() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }

    static func isOurs(_ name: String) -> Bool {
        ["job.json", "finished.json", "topic-start.json"].contains(name)
            || (name.hasPrefix("checkpoint-") && (name.hasSuffix(".bin") || name.hasSuffix(".bin.tmp")))
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// The file name of checkpoint `id` in the folder.
    public static func fileName(of id: Int64) -> String { String(format: "checkpoint-%08lld.bin", id) }

    /// The ids of the checkpoint files present, oldest first.
    public func ids() -> [Int64] {
        names().compactMap { name -> Int64? in
            guard name.hasPrefix("checkpoint-"), name.hasSuffix(".bin") else { return nil }
            return Int64(name.dropFirst("checkpoint-".count).dropLast(".bin".count))
        }.sorted()
    }

    /// Writes a checkpoint atomically and prunes old ones; returns its size in bytes.
    @discardableResult
    public func write(_ data: CheckpointData) throws(ConnectorError) -> Int {
        // Streamed: a live service's state is hundreds of MB, which a gathered copy would double.
        let size = try AtomicFile.write(to: file(Self.fileName(of: data.id))) { emit in try data.encode(emit) }
        for old in ids().dropLast(keep) { try? FileManager.default.removeItem(atPath: file(Self.fileName(of: old))) }
        return size
    }

    /// Reads one checkpoint file; the error says whether it is missing or unusable, and why.
    public func read(_ id: Int64) throws(ConnectorError) -> CheckpointData {
        guard let contents = FileManager.default.contents(atPath: file(Self.fileName(of: id))) else {
            let present = ids().map(String.init).joined(separator: ", ")
            throw ConnectorError(
                .inputNotFound,
                "no checkpoint \(id) in \(path): "
                    + (present.isEmpty ? "it has no checkpoint" : "the checkpoints there are \(present)"))
        }
        do {
            return try CheckpointData(decoding: [UInt8](contents))
        } catch {
            throw ConnectorError(
                .corrupt, "checkpoint \(id) in \(path) is unusable: \(error.message)", cause: error)
        }
    }

    /// The newest checkpoint that reads back intact; damaged newer ones are reported in `warnings`.
    public func latest() -> (data: CheckpointData?, warnings: [String]) {
        var warnings: [String] = []
        for id in ids().reversed() {
            do throws(ConnectorError) {
                return (try read(id), warnings)
            } catch {
                warnings.append("\(error.message); using the previous one")
            }
        }
        return (nil, warnings)
    }

    /// The job the folder belongs to: nil when `job.json` is missing; an error when it is unreadable.
    public func readJob() throws(ConnectorError) -> CheckpointJob? {
        guard let data = FileManager.default.contents(atPath: file("job.json")) else { return nil }
        guard let job = try? JSONDecoder().decode(CheckpointJob.self, from: data) else {
            throw ConnectorError(
                .checkpointMismatch,
                "\(file("job.json")) is damaged, so the checkpoints cannot be tied to a replay: "
                    + "delete the checkpoint folder \(path) to replay from the start")
        }
        return job
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
