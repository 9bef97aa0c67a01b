import Foundation
import Testing

@testable import FlywheelConnectors

/// `AtomicFile.write`: the file holds exactly the bytes given, whether written at once or, when large, in
/// pieces synced one by one; nothing is left under the temporary name.
struct AtomicFileTests {
    @Test(arguments: [
        0, 1, AtomicFile.syncPiece - 1, AtomicFile.syncPiece, AtomicFile.syncPiece + 1,
        2 * AtomicFile.syncPiece + 12_345,
    ])
    func theFileHoldsExactlyTheBytes(count: Int) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A pattern that does not repeat at the piece size, so a piece written twice or skipped shows.
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) }
        let path = folder.appendingPathComponent("checkpoint-1").path
        try AtomicFile.write(bytes, to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["checkpoint-1"])
    }
}

/// `AtomicFile.write(to:)`: pieces handed over one by one make the file; a failure of the producer leaves no
/// file and nothing under the temporary name.
struct AtomicFileStreamTests {
    @Test func piecesMakeTheFileAndItsSize() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pieces: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 9, count: AtomicFile.syncPiece + 5), [4]]
        let path = folder.appendingPathComponent("checkpoint-2").path
        let size = try AtomicFile.write(to: path) { emit in
            for piece in pieces { try piece.withUnsafeBytes { try emit($0) } }
        }
        #expect(size == pieces.map(\.count).reduce(0, +))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(pieces.joined()))

        struct Refused: Error {}
        let failed = folder.appendingPathComponent("checkpoint-3").path
        #expect(throws: ConnectorError.self) {
            _ = try AtomicFile.write(to: failed) { emit in
                try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try emit($0) }
                throw Refused()
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["checkpoint-2"])
    }
}
