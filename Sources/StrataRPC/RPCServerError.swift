/// Why an `RPCServer` could not serve.
public enum RPCServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Serving failed, usually because the address could not be bound.
    case serveFailed(address: String, reason: String)
    /// The server is not listening (binding failed, or it was shut down).
    case notListening(address: String, reason: String)

    /// The operator-facing message.
    public var description: String {
        switch self {
        case .serveFailed(let address, let reason):
            return "gRPC server on \(address) failed: \(reason); check that no other process listens on that port (-server.grpc-listen-port) and that the address belongs to this host"
        case .notListening(let address, let reason):
            return "gRPC server on \(address) is not listening: \(reason)"
        }
    }
}
