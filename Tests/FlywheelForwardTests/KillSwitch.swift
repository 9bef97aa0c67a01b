import FlywheelForward
import FlywheelTesting
import Foundation
import Synchronization
import Testing

/// Kills a `flywheel` process with SIGKILL when a receiver has seen a target number of requests. The
/// receiver's behaviour calls `check` for each request, on its event loop, so the kill lands at the chosen
/// request whatever the load on the test's threads.
final class KillSwitch: Sendable {
    private let victim = Mutex<(pid: Int32, at: Int)?>(nil)

    /// Called by the receiver's behaviour for each request.
    func check(_ request: LoopbackReceiver.Request) {
        victim.withLock { victim in
            if let target = victim, request.index >= target.at {
                kill(target.pid, SIGKILL)
                victim = nil
            }
        }
    }

    /// Runs `flywheel ARGUMENTS` up to `rounds` times, each killed once the receiver has seen a random
    /// number (in `after`) of further requests; stops early when a run ends by itself (it must exit 0).
    /// Returns how many runs were killed.
    func runKilling(
        _ arguments: [String], environment: [String: String] = [:], receiver: LoopbackReceiver, rounds: Int,
        after: ClosedRange<Int>, generator: inout SplitMix
    ) async throws -> Int {
        var kills = 0
        for _ in 0..<rounds {
            let target = receiver.requests.count + Int.random(in: after, using: &generator)
            let running = try FlywheelCLI.start(arguments, environment: environment)
            victim.withLock { $0 = (running.pid, target) }
            let result = await running.wait()
            victim.withLock { $0 = nil }
            guard result.signaled else {
                #expect(result.status == 0, "\(result)")
                break
            }
            kills += 1
        }
        return kills
    }
}
