import FlywheelSignals
import Foundation

/// A uniquely named folder under the system temporary directory, removed by `remove()`.
public struct TemporaryFolder: Sendable {
    public let path: String

    public init(_ label: String = "flywheel-test") throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    public func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Writes a generated log (as `flywheel generate` does) to `name` and returns its path; `configure`
    /// sets the generator's options.
    public func generatedLog(
        _ name: String = "log.jsonl", _ configure: (inout GeneratorOptions) -> Void
    ) throws -> String {
        var options = GeneratorOptions()
        configure(&options)
        let target = file(name)
        _ = try ConversationGenerator(options: options).write(toPath: target)
        return target
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The bytes of the files in folder `path` by name: those named, or all but hidden ones.
public func folderBytes(_ path: String, names: [String]? = nil) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let all = try names ?? FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }
    for name in all {
        files[name] = try Data(contentsOf: URL(fileURLWithPath: (path as NSString).appendingPathComponent(name)))
    }
    return files
}

/// The bytes of `path` compressed by gzip(1), for tests of gzip input.
public func gzipped(_ path: String) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-c", path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = FlywheelCLI.readToEnd(output.fileHandleForReading.fileDescriptor)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path])
    }
    return data
}
