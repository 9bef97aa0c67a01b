import Foundation

/// A task executor with a thread of its own: tasks that prefer it (`addTask(executorPreference:)`)
/// run there, so a blocking read (a file, a librdkafka poll) blocks that thread and never one of
/// the cooperative pool's few threads.
public final class DedicatedThread: TaskExecutor, @unchecked Sendable {
    // `condition` protects `jobs` and `stopping`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    /// How the thread is scheduled against the process's other threads.
    public enum Priority: Sendable, Equatable {
        /// `nice` > 0 lowers its scheduling priority (Linux: per thread, as `nice` does for a process), so
        /// that other threads of the process get the cores first when both want them. 0: unchanged.
        case nice(Int32)
        /// Linux's `SCHED_IDLE`: it runs on what every other thread leaves of the cores and yields to any
        /// of them at once (CFS gives it the weight of a task below nice 19). For work that may take longer
        /// but must not delay anything else: a live service's checkpoint encoding.
        case idle
    }

    /// Starts the thread, named `name` (as `top -H` shows it), at `nice` (see `Priority.nice`).
    public convenience init(name: String, nice: Int32 = 0) { self.init(name: name, priority: .nice(nice)) }

    /// Starts the thread, named `name`, scheduled as `priority` says.
    public init(name: String, priority: Priority) {
        // The thread holds the executor until `shutdown()` ends its loop.
        let thread = Thread {
            Self.apply(priority)
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

    /// Linux's `SCHED_IDLE` (`<bits/sched.h>`), which Glibc's Swift module leaves out (it is `_GNU_SOURCE`-only).
    static let schedIdle: Int32 = 5

    private static func apply(_ priority: Priority) {
        #if os(Linux)
            switch priority {
            case .nice(let nice) where nice > 0:
                // Linux keeps the nice value per thread; `who` 0 is the calling thread (setpriority(2), NOTES).
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
            case .nice:
                break
            case .idle:
                // Per thread too: pid 0 is the calling thread (sched_setscheduler(2)).
                var parameter = sched_param(sched_priority: 0)
                _ = sched_setscheduler(0, Self.schedIdle, &parameter)
            }
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
