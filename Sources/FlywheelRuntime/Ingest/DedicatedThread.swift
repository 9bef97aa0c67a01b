import Foundation

/// A task executor with a thread of its own: tasks that prefer it (`addTask(executorPreference:)`)
/// run there, so a blocking read (a file, a librdkafka poll) blocks that thread and never one of
/// the cooperative pool's few threads.
public final class DedicatedThread: TaskExecutor, @unchecked Sendable {
    // `condition` protects `jobs` and `stopping`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    /// Starts the thread, named `name` (as `top -H` shows it). `nice` > 0 lowers its scheduling priority
    /// (Linux: per thread, as `nice` does for a process), so that other threads of the process get the cores
    /// first when both want them.
    public init(name: String, nice: Int32 = 0) {
        // The thread holds the executor until `shutdown()` ends its loop.
        let thread = Thread {
            if nice > 0 { Self.lowerPriority(by: nice) }
            self.loop()
        }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    /// Ends the thread once the jobs enqueued so far have run. Call when no task prefers it any more.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private static func lowerPriority(by nice: Int32) {
        #if os(Linux)
            // Linux keeps the nice value per thread; `who` 0 is the calling thread (setpriority(2), NOTES).
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
        #endif
    }

    private func loop() {
        let executor = asUnownedTaskExecutor()
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch { job.runSynchronously(on: executor) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
