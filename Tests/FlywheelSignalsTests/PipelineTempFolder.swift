import Foundation

/// A fresh, uniquely named folder under the temporary directory, removed when `body` returns or throws.
func withPipelineTempFolder<T>(_ body: (URL) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("flywheel-pipeline-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}

/// Writes `lines` joined by newlines to `name` in `folder` and returns the file's path.
@discardableResult
func writePipelineTestFile(_ lines: [String], named name: String, in folder: URL) throws -> String {
    let url = folder.appendingPathComponent(name)
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url.path
}
