import GRPCCore
import StrataIngester
import StrataModel

/// An `IngesterClient` for an ingester in another process: each push is one
/// `strata.Ingester/Push` call over the pool's connection to `address`.
///
/// Every failure becomes an `IngesterError` naming the ingester's address: unreachable,
/// closed or too slow (past `timeout`, Mimir's `-distributor.remote-timeout`) → `.unavailable`;
/// the ingester's own storage failure or a refused request → `.storage`. A push that fails
/// never reports partial success.
public struct RemoteIngesterClient: IngesterClient {
    /// The ingester, `host:port`.
    public let address: String
    /// Deadline of one push.
    public let timeout: Duration
    private let pool: RPCClientPool

    /// A client for the ingester at `address` over `pool`'s connection to it.
    public init(pool: RPCClientPool, address: String, timeout: Duration = RPCDefaults.pushTimeout) {
        self.pool = pool
        self.address = address
        self.timeout = timeout
    }

    /// Sends `batch` to the ingester; returns its counts once it has written them to its WAL.
    public func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult {
        try await push(tenant: tenant, batch: batch, extras: BatchExtras())
    }

    /// Sends `batch` with the exemplars and metadata of `extras` in the same `WriteRequest`; the
    /// ingester stores them when it stored the push and counts the exemplars stored
    /// (`IngestResult.appendedExemplars`). An ingester of an older Strata ignores them.
    public func push(tenant: TenantID, batch: SeriesBatch, extras: BatchExtras) async throws(IngesterError) -> IngestResult {
        do {
            let client = try pool.client(for: address)
            return try await client.unary(request: ClientRequest(message: PushRequest(tenant: tenant, batch: batch, extras: extras)),
                                          descriptor: StrataRPCMethods.push,
                                          serializer: PushRequestSerializer(),
                                          deserializer: IngestResultDeserializer(),
                                          options: callOptions) { response in
                try response.message
            }
        } catch {
            throw mapError(error)
        }
    }

    /// True: the extras travel to the ingester.
    public var carriesExtras: Bool { true }

    private var callOptions: CallOptions { pool.callOptions(timeout: timeout) }

    private func mapError(_ error: any Error) -> IngesterError {
        let peer = "ingester \(address)"
        switch RPCCallFailure(error) {
        case .unavailable(let why):
            return .unavailable("\(peer): \(why)")
        case .deadlineExceeded:
            return .unavailable("\(peer): no answer within \(timeout) (-distributor.remote-timeout); the ingester is overloaded or unreachable")
        case .invalidArgument(let why):
            return .storage("\(peer) refused the push as malformed: \(why)")
        case .failed(let why):
            return .storage("\(peer): \(why)")
        }
    }
}
