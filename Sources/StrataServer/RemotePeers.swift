import Logging
import StrataIngester
import StrataModel
import StrataRPC

/// The connections of one process to the ingesters and store-gateways of other processes: one
/// gRPC connection per peer address, with the push deadline of `-distributor.remote-timeout` and
/// the read deadline of `-querier.timeout`.
public struct RemotePeers: Sendable {
    private let pool: RPCClientPool
    private let pushTimeout: Duration
    private let readTimeout: Duration

    /// Creates an empty pool; connections open on first use.
    public init(pushTimeout: Duration, readTimeout: Duration, logger: Logger) {
        pool = RPCClientPool(logger: logger)
        self.pushTimeout = pushTimeout
        self.readTimeout = readTimeout
    }

    /// The push client of the ingester at `address`.
    public func ingester(at address: String) -> any IngesterClient {
        pool.ingester(at: address, timeout: pushTimeout)
    }

    /// The read client of the ingester or store-gateway at `address`.
    public func queryable(at address: String, role: RPCPeerRole) -> any Queryable {
        pool.queryable(at: address, role: role, timeout: readTimeout)
    }

    /// The cardinality client of the ingester at `address` (`-querier.timeout` at most per call).
    public func cardinality(at address: String) -> any CardinalityReplica {
        pool.cardinality(at: address, timeout: readTimeout)
    }

    /// The exemplar and metadata reader of the ingester at `address` (`-querier.timeout` per call).
    public func exemplarsAndMetadata(at address: String) -> any ExemplarQueryable & MetadataQueryable {
        pool.exemplarsAndMetadata(at: address, timeout: readTimeout)
    }

    /// Closes every connection.
    public func shutdown() async {
        await pool.shutdown()
    }
}
