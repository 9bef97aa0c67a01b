import Foundation

/// The time a job runs on: an injected `Clock` (a `ContinuousClock`, or a manual clock in tests)
/// plus the wall-clock instant it started at, for the one wall-clock rule of the contract (the
/// idle advance of section 8) and for record timestamps of sinks.
///
/// Invariant: `epochMillis()` moves exactly as the clock does, from `startEpochMillis`.
public struct JobClock: Sendable {
    private let elapsedNow: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void
    /// Wall-clock milliseconds since 1970 when the job started.
    public let startEpochMillis: Int64

    /// A job clock on `clock`, whose current instant is the wall-clock time `startEpochMillis`.
    public init<C: Clock<Duration>>(_ clock: C, startEpochMillis: Int64 = JobClock.wallMillis()) {
        let start = clock.now
        elapsedNow = { start.duration(to: clock.now) }
        sleeper = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
        self.startEpochMillis = startEpochMillis
    }

    /// The real clock.
    public static var continuous: JobClock { JobClock(ContinuousClock()) }

    /// Time since the job started.
    public func elapsed() -> Duration { elapsedNow() }

    /// The wall-clock time now, in milliseconds since 1970.
    public func epochMillis() -> Int64 {
        let elapsed = elapsedNow().components
        return startEpochMillis + elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000
    }

    /// Suspends for `duration` of this clock's time.
    public func sleep(for duration: Duration) async throws { try await sleeper(duration) }

    /// Milliseconds since 1970 now, from the system's wall clock.
    public static func wallMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
