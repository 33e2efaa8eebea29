/// A blocking call did not answer within the time its caller could wait.
public struct OffPoolTimeout: Error, Sendable, CustomStringConvertible {
    public var timeout: Duration
    public var description: String { "no answer within \(timeout)" }
}
