/// What kind of peer a `RemoteQueryable` reads from; named in its errors.
public enum RPCPeerRole: String, Sendable {
    /// An ingester (recent data).
    case ingester
    /// A store-gateway (blocks in the bucket).
    case storeGateway = "store-gateway"
}
