import Dispatch
import FlywheelConnectors
import Foundation

/// Turns SIGINT and SIGTERM into a stop request that a running replay sees between batches, so it
/// ends cleanly and says what it left; a second signal ends the process at once.
final class SignalTrap {
    private var sources: [DispatchSourceSignal] = []

    init(_ stop: ReplayStop, signals: [Int32] = [SIGINT, SIGTERM]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                guard !stop.request(number) else { return }
                let name = ReplayStop.name(of: number)
                FileHandle.standardError.write(Data("\(name) again: stopping at once; nothing is final\n".utf8))
                _exit(128 + number)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default actions.
    func cancel() {
        for source in sources { source.cancel() }
        sources = []
        for number in [SIGINT, SIGTERM] { signal(number, SIG_DFL) }
    }
}
