import Dispatch
import FlywheelRuntime
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM (or a call to `stop()`) into a stop request that long-running work sees between
/// batches (`stopSignal`) and, when it waits in `poll(2)`, through a readable pipe (`wakeFD`), so that it finishes
/// what it holds and ends cleanly; the signal's default action (ending the process at once) is replaced. A second
/// signal ends the process at once (exit 128 + its number), for a user who does not want to wait.
///
/// Whichever thread the kernel delivers the signal to, the wake-up reaches the loop through the pipe.
// @unchecked Sendable: the descriptors and sources are set in init and never change; `requested` is atomic.
public final class StopSignals: @unchecked Sendable {
    /// Readable once a stop was requested.
    public let wakeFD: Int32
    private let writeFD: Int32
    private let requested = Atomic<Int32>(0)
    private let sources: [any DispatchSourceSignal]
    private let signals: [Int32]

    /// Starts catching `signals` (until `restore()`); with none, it is a stop flag that only `stop()` sets.
    public init(_ signals: [Int32] = [SIGINT, SIGTERM]) {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        wakeFD = ends[0]
        writeFD = ends[1]
        self.signals = signals
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            sources.append(source)
        }
        self.sources = sources
        for (number, source) in zip(signals, sources) {
            source.setEventHandler { [weak self] in self?.request(number) }
            source.resume()
        }
    }

    deinit {
        close(wakeFD)
        close(writeFD)
    }

    /// The signal that asked to stop (SIGINT, SIGTERM), 0 for `stop()`; nil while running.
    public var stopSignal: Int32? {
        let value = requested.load(ordering: .acquiring)
        return value == 0 ? nil : value == -1 ? 0 : value
    }

    /// Asks the loop to stop, as a signal would.
    public func stop() { request(-1) }

    /// Stops catching the signals: they end the process again.
    public func restore() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }

    private func request(_ number: Int32) {
        let first = requested.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing).exchanged
        if !first && number > 0 {
            FileHandle.standardError.write(Data("\(StopSignal.name(of: number)) again: exiting at once\n".utf8))
            _exit(128 + number)
        }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

}
