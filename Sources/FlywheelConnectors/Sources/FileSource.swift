import FlywheelEngine
import FlywheelRuntime
import Foundation

/// A file read from its start (or a checkpoint's position) to its end, gzip or plain; "-" is
/// standard input. One partition.
///
/// Its checkpoint state is the position after the last line taken, with the CRC-32 of the bytes
/// before it, and the file's size when the run started: a resume checks both (`InputFingerprint`).
public final class FileSource: Source, Sendable {
    public let path: String
    /// Tail the file as it grows, across rotation and truncation (`FollowedFile`): never ends.
    public let follow: Bool
    let stop: StopSignals?
    /// Receives what a resume could not do exactly (a file rotated while the job was down).
    let warn: @Sendable (String) -> Void
    /// The file's size when the source was made (-1 when it cannot be read, or standard input).
    let sizeAtStart: Int64

    public init(
        path: String, follow: Bool = false, stop: StopSignals? = nil,
        warn: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.path = path
        self.follow = follow
        self.stop = stop
        self.warn = warn
        var status = stat()
        sizeAtStart = path != "-" && stat(path, &status) == 0 ? Int64(status.st_size) : -1
    }

    public var partitionCount: Int { 1 }
    public var isBounded: Bool { !follow }
    public func name(ofPartition partition: Int) -> String { path }

    public func open(restoring state: [UInt8]?, decoding: DecodeOptions) throws -> [any SourcePartition] {
        let position = try state.map { try Self.decode($0).position } ?? InputPosition()
        if follow {
            let file = try FollowedFile(
                path: path, maxLineBytes: decoding.maxEventBytes, resumeAt: state.map { _ in position })
            if let warning = file.resumeWarning { warn(warning) }
            return [FollowedPartition(file, decoding: decoding)]
        }
        let reader = try InputReader(
            .file(path: path), partition: 0, maxEventBytes: decoding.maxEventBytes, countsPII: decoding.countsPII,
            position: position, hashesPrefix: decoding.hashesPrefix, stop: stop, pool: decoding.pool)
        return [ReaderPartition(reader)]
    }

    public func state(at positions: [InputPosition]) -> [UInt8] {
        var writer = StateWriter()
        writer.write(UInt8(1))
        writer.write(positions[0])
        writer.write(sizeAtStart)
        return writer.bytes
    }

    /// The position and start size a checkpoint recorded.
    static func decode(_ bytes: [UInt8]) throws(CheckpointError) -> (position: InputPosition, size: Int64) {
        var reader = StateReader(bytes)
        guard try reader.readByte() == 1 else { throw CheckpointError(.versionMismatch, "unknown file source state") }
        return (try reader.read(InputPosition.self), try reader.readInt64())
    }
}

/// A followed file as a live source partition.
// @unchecked Sendable: one pump reads it at a time.
final class FollowedPartition: SourcePartition, @unchecked Sendable {
    private let file: FollowedFile
    private var decoder: LineDecoder

    init(_ file: FollowedFile, decoding: DecodeOptions) {
        self.file = file
        decoder = LineDecoder(partition: 0, decoding: decoding)
    }

    func read(maxLines: Int, _ body: (consuming InputLine) -> Void) throws -> ReadStatus {
        try file.read(maxLines: maxLines) { number, endOffset, content in
            if var line = decoder.decode(content, position: number, endOffset: endOffset) {
                line.file = file.fileID
                body(consume line)
            }
        }
    }

    func close() { file.close() }
}
