import FlywheelEngine
import FlywheelSignals

extension IngestLoop {
    /// How often the ticker wakes the loop of a live job, at most (less with a shorter linger).
    static let tickInterval: Duration = .milliseconds(50)

    /// Runs a live job (CONTRACT section 8) until a stop request, or until every partition ended
    /// (only bounded sources). A stop takes a final checkpoint (`closing`) when checkpoints are on.
    mutating func runLive(tick: Duration) async throws {
        startIdleClocks()
        let inbox = BoundedChannel<InboxItem>(capacity: 4 * partitions.count + 4)
        let threads = partitions.indices.map { DedicatedThread(name: "flywheel-read-\($0)", nice: options.threadNice) }
        defer { threads.forEach { $0.shutdown() } }
        let clock = options.clock
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, reader) in partitions.enumerated() {
                let pump = PartitionPump(
                    partition: index, reader: reader, batchLines: options.batchLines,
                    stopped: { [stopped] in stopped.isSet })
                group.addTask(executorPreference: threads[index]) { await pump.run(into: inbox) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await clock.sleep(for: tick)
                    await inbox.send(.tick)
                }
            }
            do {
                try await consume(inbox)
            } catch {
                stopped.set()
                inbox.finish()
                group.cancelAll()
                throw error
            }
            stopped.set()
            inbox.finish()
            group.cancelAll()
            try? await group.waitForAll()
        }
    }

    private mutating func consume(_ inbox: BoundedChannel<InboxItem>) async throws {
        while let item = await inbox.receive() {
            let now = options.clock.elapsed()
            let isTick = if case .tick = item { true } else { false }
            switch consume item {
            case .lines(let partition, var lines):
                if driver.state.watermarks.isIdle(partition) { driver.setIdle(false, partition: partition) }
                lastActive[partition] = now
                // Each line is moved to the ingest, not copied (a copy retains its event).
                lines.consumeEach(leaving: .moved) { driver.ingest($0, partition: partition) }
            case .ended(let partition):
                ended[partition] = true
                driver.finish(partition: partition)
            case .failed(_, let error):
                throw error
            case .tick:
                await dispatcher.emit(.tick)
                reportProgress()
            }
            markIdle(now: now)
            if ended.allSatisfy({ $0 }) {
                driver.finishAll()
                try await flush(isFinal: true)
                // A last checkpoint after everything was released: a restart finds the sources at their
                // end and the sinks' files committed, and has nothing left to do.
                if options.checkpointInterval != nil { try await sendBarrier(closing: true) }
                return
            }
            if isTick, options.checkpointInterval != nil, reopen == nil,
                let reason = sources.lazy.compactMap({ $0.source.reopenRequest() }).first
            {
                reopen = reason
            }
            if options.stopRequested() != nil || reopen != nil {
                stoppedByRequest = true
                if options.checkpointInterval != nil {
                    try await sendBarrier(closing: true)
                } else if driver.hasPending {
                    try await flush(isFinal: false)
                }
                return
            }
            if driver.hasPending && (driver.linesInBatch >= options.batchLines || inbox.isEmpty) {
                try await flush(isFinal: false)
            } else if isTick, checkpointDue() {
                try await sendBarrier(closing: false)
            }
        }
    }

    /// The idle timeout counts from now, when reading starts, for every partition: not from when the job's clock
    /// was made (opening the sinks and restoring a checkpoint come in between), and not from before a restart (a
    /// partition idle at the checkpoint is active again until it has had no line for `idle_timeout` in this
    /// run). Otherwise the first tick could find every partition idle before its first read, and the idle
    /// advance would move W to the wall clock past a backlog of older events, making them late.
    private mutating func startIdleClocks() {
        let now = options.clock.elapsed()
        for partition in partitions.indices {
            lastActive[partition] = now
            if driver.state.watermarks.isIdle(partition) { driver.setIdle(false, partition: partition) }
        }
    }

    /// Partitions without a line for `idle_timeout` stop holding W back; once all are idle, the idle
    /// advance moves W with the wall clock (unless `time.idle_advance: none`).
    private mutating func markIdle(now: Duration) {
        let timeout = Duration.milliseconds(options.config.time.idleTimeoutMs)
        for partition in partitions.indices where !ended[partition] && !driver.state.watermarks.isIdle(partition) {
            if now - lastActive[partition] >= timeout { driver.setIdle(true, partition: partition) }
        }
        guard options.config.time.idleAdvance, driver.state.watermarks.allIdle, !ended.allSatisfy({ $0 }) else {
            return
        }
        let target = EventTime(millis: options.clock.epochMillis() - options.config.time.maxOutOfOrdernessMs - 1)
        driver.advanceIdle(to: target)
    }
}
