import FlywheelRuntime
import Foundation
import Testing

/// `DedicatedThread`: tasks that prefer it run on its thread, which `nice` lowers alone (Linux keeps the nice
/// value per thread), leaving the rest of the process as it was.
struct DedicatedThreadTests {
    private static func niceHere() -> Int32 {
        errno = 0
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    @Test func aNiceThreadRunsItsTasksAtALowerPriorityAndLeavesTheOthersAlone() async throws {
        let before = Self.niceHere()
        let plain = DedicatedThread(name: "flywheel-test-plain")
        let lowered = DedicatedThread(name: "flywheel-test-nice", nice: 5)
        defer {
            plain.shutdown()
            lowered.shutdown()
        }
        let onPlain = await Task(executorPreference: plain) { Self.niceHere() }.value
        let onLowered = await Task(executorPreference: lowered) { Self.niceHere() }.value
        // Again: the thread keeps its priority from task to task.
        let again = await Task(executorPreference: lowered) { Self.niceHere() }.value
        #expect(onPlain == before)
        #expect(onLowered == min(before + 5, 19) && again == onLowered)
        #expect(Self.niceHere() == before)
    }

    private static func policyHere() -> Int32 { sched_getscheduler(0) }

    @Test func anIdleThreadRunsItsTasksUnderSchedIdleAndLeavesTheOthersAlone() async throws {
        let before = Self.policyHere()
        let idle = DedicatedThread(name: "flywheel-test-idle", priority: .idle)
        defer { idle.shutdown() }
        let onIdle = await Task(executorPreference: idle) { Self.policyHere() }.value
        let again = await Task(executorPreference: idle) { Self.policyHere() }.value
        #expect(before == SCHED_OTHER)
        #expect(onIdle == 5 && again == 5)  // SCHED_IDLE, which Glibc's Swift module does not export
        #expect(Self.policyHere() == before)
    }
}
