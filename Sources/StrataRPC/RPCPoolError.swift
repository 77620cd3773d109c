/// Why the pool could not give a connection to a peer.
public enum RPCPoolError: Error, Sendable, CustomStringConvertible {
    /// The address is not `host:port`.
    case invalidAddress(RPCAddressError)
    /// `shutdown()` was called.
    case shutDown
    /// The transport could not be created for the address.
    case transport(address: String, reason: String)

    /// The operator-facing message.
    public var description: String {
        switch self {
        case .invalidAddress(let e): return "\(e)"
        case .shutDown: return "the gRPC client pool is shut down (the process is stopping)"
        case .transport(let address, let reason): return "cannot create a gRPC connection to \(address): \(reason)"
        }
    }
}
