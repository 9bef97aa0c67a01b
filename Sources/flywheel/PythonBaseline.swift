import ArgumentParser
import Foundation

/// The Python script `bench --python-baseline` compares against: checked before the benchmark, run after it.
enum PythonBaseline {
    /// The python3 to run `script` with; fails naming what is missing and what to do.
    static func check(script: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> String
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: script, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ValidationError(
                "--python-baseline \(script): no such file; name a Python script, "
                    + "e.g. --python-baseline Tests/Baselines/model_quality.py")
        }
        guard FileManager.default.isReadableFile(atPath: script) else {
            throw ValidationError("--python-baseline \(script): the file cannot be read (check its permissions)")
        }
        let path = environment["PATH"] ?? ""
        let python = path.split(separator: ":").map { ($0.isEmpty ? "." : String($0)) + "/python3" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else {
            throw ValidationError(
                "--python-baseline needs python3, which is not on PATH: install it (apt-get install -y python3, "
                    + "then pip install orjson) or leave out --python-baseline")
        }
        return python
    }

    /// Runs `python script log` and returns its wall time in seconds.
    static func run(python: String, script: String, log: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, log]
        process.standardOutput = FileHandle.nullDevice
        let start = Date()
        do {
            try process.run()
        } catch {
            throw ValidationError("cannot start \(python) \(script)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError(
                "the Python baseline \(script) failed with exit status \(process.terminationStatus) "
                    + "(its error is above; is orjson installed? pip install orjson)")
        }
        return Date().timeIntervalSince(start)
    }
}
