import FlywheelTesting
import Foundation
import Testing

/// The helper every CLI test waits with: it returns what a program printed and how it ended, and kills one
/// that outlives its timeout.
struct ProcessWaitTests {
    @Test func anExitStatusAndTheOutputComeBack() async throws {
        let result = try await FlywheelCLI.run(
            ["-c", "printf out; printf err >&2; exit 3"], executable: "/bin/sh", timeout: 30)
        #expect(result.status == 3 && !result.signaled)
        #expect(result.stdout == "out" && result.stderr == "err")
    }

    /// Only the time is checked: Foundation's `Process` is the one that reaps, and on this machine (pid_max
    /// 32,768, wrapped by the suite) a status it records may be another program's (a killed program came back
    /// as exit 0 in a CI dry run).
    @Test func aProcessPastItsTimeoutIsKilled() async throws {
        let started = ContinuousClock.now
        _ = try await FlywheelCLI.run(["-c", "exec sleep 600"], executable: "/bin/sh", timeout: 0.5)
        // Killed at the timeout, not ended by itself 600 s later (the output may be awaited up to 30 s: a program
        // another test starts at the same moment can inherit the pipes' ends and hold them open).
        #expect(ContinuousClock.now - started < .seconds(120))
    }
}
