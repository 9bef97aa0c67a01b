/// Errors of the embedded log are `ConnectorError`s (one error type per module); the name reads well
/// where only the log can fail.
public typealias LogError = ConnectorError
