/// Why a read from a remote ingester or store-gateway failed. `peer` is the role and address,
/// e.g. `store-gateway 10.0.0.7:9095`; `call` the RPC (Select, LabelNames, LabelValues).
public enum RemoteQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The peer could not be reached, or the connection closed.
    case unavailable(peer: String, call: String, reason: String)
    /// The peer did not answer in time.
    case deadlineExceeded(peer: String, call: String, timeout: Duration)
    /// The peer refused the request as invalid (a bad matcher or tenant, or a version mismatch).
    case invalidRequest(peer: String, call: String, reason: String)
    /// The peer failed while answering, or answered with bytes this version cannot read.
    case failed(peer: String, call: String, reason: String)

    /// The operator-facing message.
    public var description: String {
        switch self {
        case .unavailable(let peer, let call, let reason):
            return "\(call) on \(peer) failed: the peer is unavailable: \(reason); check that it is running and reachable on that address"
        case .deadlineExceeded(let peer, let call, let timeout):
            return "\(call) on \(peer) got no complete answer within \(timeout); the peer is overloaded or the query selects too much"
        case .invalidRequest(let peer, let call, let reason):
            return "\(call) on \(peer) was refused as invalid: \(reason)"
        case .failed(let peer, let call, let reason):
            return "\(call) on \(peer) failed: \(reason)"
        }
    }
}
