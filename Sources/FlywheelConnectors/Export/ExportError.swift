/// Errors of `flywheel export` are `ConnectorError`s (one error type per module); the name reads well
/// where only an export can fail.
public typealias ExportError = ConnectorError
