/// Points where tests hold the service to observe what happens in between. The CLI sets none.
public struct ServiceHooks: Sendable {
    /// Runs before each group commit takes the waiting requests (a test gathers requests there).
    public var beforeGroupCommit: (@Sendable (IngestAppender) async -> Void)?
    /// Runs once a graceful shutdown made readiness false, before the HTTP server stops taking connections.
    public var afterDrainBegins: (@Sendable () async -> Void)?

    public init(
        beforeGroupCommit: (@Sendable (IngestAppender) async -> Void)? = nil,
        afterDrainBegins: (@Sendable () async -> Void)? = nil
    ) {
        self.beforeGroupCommit = beforeGroupCommit
        self.afterDrainBegins = afterDrainBegins
    }
}
