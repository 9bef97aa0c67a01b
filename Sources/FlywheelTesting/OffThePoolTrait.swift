import FlywheelRuntime
import Testing

/// Runs each test case on a thread of its own (a task executor preference, inherited by its child tasks), off
/// the two threads every async test of the run shares on a 2-core machine: for tests whose calls block, and
/// for tests whose tasks hand work to each other many times (each hop would wait behind the whole run's work).
public struct OffThePoolTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }  // a suite: its tests get their own
        let thread = DedicatedThread(name: "flywheel-test")
        defer { thread.shutdown() }
        try await withTaskExecutorPreference(thread) { try await function() }
    }
}

extension Trait where Self == OffThePoolTrait {
    public static var offThePool: Self { OffThePoolTrait() }
}
