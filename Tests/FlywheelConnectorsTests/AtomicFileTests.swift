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
