/// A `host:port` that cannot be used, with what is wrong.
public struct RPCAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The address as given.
    public var address: String
    /// What is wrong with it.
    public var reason: String

    /// Creates an error.
    public init(address: String, reason: String) {
        self.address = address
        self.reason = reason
    }

    /// The operator-facing message.
    public var description: String {
        "invalid gRPC address \"\(address)\": \(reason)"
    }
}
