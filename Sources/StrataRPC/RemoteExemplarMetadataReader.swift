import GRPCCore
import StrataModel

/// The exemplars and metadata of one ingester in another process, read through
/// `strata.Ingester/Exemplars` and `strata.Ingester/Metadata` over the pool's connection to
/// `address`. The querier's `RingReplicasExemplarMetadataSource` asks one per ingester of the
/// ring and merges.
///
/// Failures throw `RemoteQueryError` naming the ingester.
public struct RemoteExemplarMetadataReader: ExemplarQueryable, MetadataQueryable {
    /// The ingester, `host:port`.
    public let address: String
    /// Deadline of one call.
    public let timeout: Duration
    private let pool: RPCClientPool

    /// A reader of the ingester at `address` over `pool`'s connection to it.
    public init(pool: RPCClientPool, address: String, timeout: Duration = RPCDefaults.readTimeout) {
        self.pool = pool
        self.address = address
        self.timeout = timeout
    }

    /// The ingester's exemplars of `tenant` in `start...end` of the series matching any of
    /// `matcherSets`; none without matcher sets (as the in-process store, without a call).
    public func exemplars(tenant: TenantID, start: Int64, end: Int64, matcherSets: [[LabelMatcher]]) async throws -> [SeriesExemplars] {
        let sets = matcherSets.filter { !$0.isEmpty }
        guard !sets.isEmpty, end >= start else { return [] }
        return try await call(ExemplarsCall(tenant: tenant, start: start, end: end, matcherSets: sets),
                              method: StrataRPCMethods.exemplars,
                              serializer: ExemplarsRequestSerializer(), deserializer: ExemplarsResponseDeserializer())
    }

    /// The ingester's metadata of `tenant` (`MetadataQueryable`'s limits: `limit` negative = all,
    /// 0 = none; `limitPerMetric` 0 or negative = all).
    public func metadata(tenant: TenantID, metric: String?, limit: Int, limitPerMetric: Int) async throws -> [(metric: String, entries: [MetricMetadata])] {
        if limit == 0 { return [] }
        let request = MetadataCall(tenant: tenant, metric: metric, limit: max(0, limit), limitPerMetric: max(0, limitPerMetric))
        let lists = try await call(request, method: StrataRPCMethods.metadata,
                                   serializer: MetadataRequestSerializer(), deserializer: MetadataResponseDeserializer())
        return lists.map { ($0.metric, $0.entries) }
    }

    private func call<Q: Sendable, R: Sendable, S: MessageSerializer<Q>, D: MessageDeserializer<R>>(
        _ request: Q, method: MethodDescriptor, serializer: S, deserializer: D
    ) async throws -> R {
        do {
            let client = try pool.client(for: address)
            return try await client.unary(request: ClientRequest(message: request), descriptor: method,
                                          serializer: serializer, deserializer: deserializer,
                                          options: pool.callOptions(timeout: timeout)) { response in
                try response.message
            }
        } catch {
            let peer = "\(RPCPeerRole.ingester.rawValue) \(address)"
            switch RPCCallFailure(error) {
            case .unavailable(let why): throw RemoteQueryError.unavailable(peer: peer, call: method.method, reason: why)
            case .deadlineExceeded: throw RemoteQueryError.deadlineExceeded(peer: peer, call: method.method, timeout: timeout)
            case .invalidArgument(let why): throw RemoteQueryError.invalidRequest(peer: peer, call: method.method, reason: why)
            case .failed(let why): throw RemoteQueryError.failed(peer: peer, call: method.method, reason: why)
            }
        }
    }
}

extension RPCClientPool {
    /// An exemplar and metadata reader of the ingester at `address`, with at most `timeout` per call.
    public func exemplarsAndMetadata(at address: String, timeout: Duration = RPCDefaults.readTimeout) -> RemoteExemplarMetadataReader {
        RemoteExemplarMetadataReader(pool: self, address: address, timeout: timeout)
    }
}
