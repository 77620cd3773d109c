import GRPCCore
import StrataModel

/// A `CardinalityReplica` in another process: one ingester's cardinality read through
/// `strata.Ingester/CardinalityIndex` and `strata.Ingester/ActiveSeries` over the pool's
/// connection to `address`.
///
/// Each call's timeout is the request's remaining time (at most `timeout`), which the ingester
/// also stops at. Failures throw `RemoteQueryError` naming the ingester; a deadline that passes
/// throws `CardinalityError.timeout`, as the in-process source does.
public struct RemoteCardinalityReplica: CardinalityReplica {
    /// The ingester, `host:port`.
    public let address: String
    /// Longest deadline of one call.
    public let timeout: Duration
    private let pool: RPCClientPool

    /// A client for the ingester at `address` over `pool`'s connection to it.
    public init(pool: RPCClientPool, address: String, timeout: Duration = RPCDefaults.readTimeout) {
        self.pool = pool
        self.address = address
        self.timeout = timeout
    }

    /// The ingester's index of the series matching `request.matchers`, for `labelNames` (every name when empty).
    public func cardinalityIndex(_ request: CardinalityRequest, labelNames: [String]) async throws -> CardinalityIndex {
        try await call(request, labelNames: labelNames, limit: 0, method: StrataRPCMethods.cardinalityIndex,
                       deserializer: CardinalityIndexDeserializer())
    }

    /// The ingester's first `request.limit` series matching `request.matchers`, sorted.
    public func activeSeries(_ request: CardinalityRequest) async throws -> ActiveSeries {
        let limit = min(max(1, request.limit), CardinalityRPCLimits.maxActiveSeries)
        var answer = try await call(request, labelNames: [], limit: limit, method: StrataRPCMethods.activeSeries,
                                    deserializer: ActiveSeriesDeserializer())
        // The contract bounds the answer by the limit; a peer that sends more is trimmed, not trusted.
        if answer.series.count > limit {
            answer.series.removeLast(answer.series.count - limit)
            answer.truncated = true
        }
        return answer
    }

    private func call<R: Sendable, D: MessageDeserializer<R>>(
        _ request: CardinalityRequest, labelNames: [String], limit: Int, method: MethodDescriptor, deserializer: D
    ) async throws -> R {
        let remaining = ContinuousClock.now.duration(to: request.deadline)
        guard remaining > .zero else { throw CardinalityError.timeout }
        let callTimeout = min(remaining, timeout)
        let message = CardinalityCallRequest(tenant: request.tenant, matchers: request.matchers, labelNames: labelNames,
                                             limit: limit, timeoutMs: max(1, Self.milliseconds(callTimeout)))
        do {
            let client = try pool.client(for: address)
            return try await client.unary(request: ClientRequest(message: message),
                                          descriptor: method,
                                          serializer: CardinalityRequestSerializer(),
                                          deserializer: deserializer,
                                          options: pool.callOptions(timeout: callTimeout)) { response in
                try response.message
            }
        } catch {
            let peer = "\(RPCPeerRole.ingester.rawValue) \(address)"
            switch RPCCallFailure(error) {
            case .unavailable(let why): throw RemoteQueryError.unavailable(peer: peer, call: method.method, reason: why)
            case .deadlineExceeded:
                if ContinuousClock.now >= request.deadline { throw CardinalityError.timeout }
                throw RemoteQueryError.deadlineExceeded(peer: peer, call: method.method, timeout: callTimeout)
            case .invalidArgument(let why): throw RemoteQueryError.invalidRequest(peer: peer, call: method.method, reason: why)
            case .failed(let why): throw RemoteQueryError.failed(peer: peer, call: method.method, reason: why)
            }
        }
    }

    private static func milliseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension RPCClientPool {
    /// A cardinality client for the ingester at `address`, with at most `timeout` per call.
    public func cardinality(at address: String, timeout: Duration = RPCDefaults.readTimeout) -> RemoteCardinalityReplica {
        RemoteCardinalityReplica(pool: self, address: address, timeout: timeout)
    }
}
