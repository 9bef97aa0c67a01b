import FlywheelTesting
import Foundation
import Testing

/// The helper every CLI test waits with: it reports how a process ended (status or signal), kills one that
/// outlives its timeout, and returns what it printed.
struct ProcessWaitTests {
    @Test func anExitStatusAndTheOutputComeBack() async throws {
        let result = try await FlywheelCLI.run(
            ["-c", "printf out; printf err >&2; exit 3"], executable: "/bin/sh", timeout: 30)
        #expect(result.status == 3 && !result.signaled)
        #expect(result.stdout == "out" && result.stderr == "err")
    }

    @Test func aSignalThatEndsTheProcessIsReportedAsOne() async throws {
        let running = try FlywheelCLI.start(["-c", "printf started; exec sleep 30"], executable: "/bin/sh")
        try await Task.sleep(for: .milliseconds(200))
        // SIGKILL: a child of the test process may inherit a mask that blocks SIGTERM.
        running.send(SIGKILL)
        let result = await running.wait(timeout: 30)
        #expect(result.signaled && result.status == SIGKILL, "\(result)")
        #expect(result.stdout == "started")
    }

    @Test func aProcessPastItsTimeoutIsKilled() async throws {
        let started = ContinuousClock.now
        let result = try await FlywheelCLI.run(["-c", "exec sleep 600"], executable: "/bin/sh", timeout: 0.5)
        // Killed at the timeout, not ended by itself 600 s later (the output may be awaited up to 30 s: a program
        // another test starts at the same moment can inherit the pipes' ends and hold them open).
        #expect(result.signaled && result.status == SIGKILL, "\(result)")
        #expect(ContinuousClock.now - started < .seconds(120))
    }
}
