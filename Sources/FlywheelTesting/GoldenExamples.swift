import Foundation

/// The worked examples of the contract, copied into the repository as golden tests.
public struct GoldenExample: Sendable, CustomStringConvertible {
    public let folder: String
    public var name: String { (folder as NSString).lastPathComponent }
    public var input: String { (folder as NSString).appendingPathComponent("input.jsonl") }
    public var expected: String { (folder as NSString).appendingPathComponent("expected") }
    public var pipeline: String? {
        let path = (folder as NSString).appendingPathComponent("pipeline.yaml")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
    public var description: String { name }

    /// Every example under `root` (a folder of example folders), sorted by name.
    public static func all(in root: String) -> [GoldenExample] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().map { GoldenExample(folder: (root as NSString).appendingPathComponent($0)) }
            .filter { FileManager.default.fileExists(atPath: $0.input) }
    }
}
