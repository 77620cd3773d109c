import GRPCCore
import StrataModel

/// A `Queryable` in another process (an ingester or a store-gateway), read through
/// `strata.Querier` over the pool's connection to `address`.
///
/// `select` collects the streamed batches into one array in the peer's order. Failures throw
/// `RemoteQueryError` naming the peer's role and address.
public struct RemoteQueryable: Queryable {
    /// The peer, `host:port`.
    public let address: String
    /// What the peer is; named in errors.
    public let role: RPCPeerRole
    /// Deadline of one call (for Select, of the whole stream).
    public let timeout: Duration
    private let pool: RPCClientPool

    /// A client for the peer at `address` over `pool`'s connection to it.
    public init(pool: RPCClientPool, address: String, role: RPCPeerRole, timeout: Duration = RPCDefaults.readTimeout) {
        self.pool = pool
        self.address = address
        self.role = role
        self.timeout = timeout
    }

    /// The peer's series matching `request`, sorted by labels.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        let message = ReadRequest(tenant: request.tenant, minTime: request.minTime, maxTime: request.maxTime,
                                  matchers: request.matchers, maxResolution: request.maxResolution)
        do {
            let client = try pool.client(for: address)
            return try await client.serverStreaming(request: ClientRequest(message: message),
                                                    descriptor: StrataRPCMethods.reads(for: role).select,
                                                    serializer: ReadRequestSerializer(name: RPCMessageName.selectRequest),
                                                    deserializer: SelectResponseDeserializer(),
                                                    options: callOptions) { response in
                var all: [QuerySeries] = []
                for try await batch in response.messages {
                    all.append(contentsOf: batch)
                }
                return all
            }
        } catch {
            throw mapError(error, call: "Select")
        }
    }

    /// The peer's label names for series matching `matchers` within the range.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await labels(ReadRequest(tenant: tenant, minTime: minTime, maxTime: maxTime, matchers: matchers),
                         method: StrataRPCMethods.reads(for: role).labelNames, name: RPCMessageName.labelNamesRequest)
    }

    /// The peer's values of label `name` for series matching `matchers` within the range.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await labels(ReadRequest(tenant: tenant, minTime: minTime, maxTime: maxTime, matchers: matchers, labelName: name),
                         method: StrataRPCMethods.reads(for: role).labelValues, name: RPCMessageName.labelValuesRequest)
    }

    private func labels(_ message: ReadRequest, method: MethodDescriptor, name: String) async throws(RemoteQueryError) -> [String] {
        do {
            let client = try pool.client(for: address)
            return try await client.unary(request: ClientRequest(message: message),
                                          descriptor: method,
                                          serializer: ReadRequestSerializer(name: name),
                                          deserializer: LabelsResponseDeserializer(),
                                          options: callOptions) { response in
                try response.message
            }
        } catch {
            throw mapError(error, call: method.method)
        }
    }

    private var callOptions: CallOptions { pool.callOptions(timeout: timeout) }

    private func mapError(_ error: any Error, call: String) -> RemoteQueryError {
        let peer = "\(role.rawValue) \(address)"
        switch RPCCallFailure(error) {
        case .unavailable(let why): return .unavailable(peer: peer, call: call, reason: why)
        case .deadlineExceeded: return .deadlineExceeded(peer: peer, call: call, timeout: timeout)
        case .invalidArgument(let why): return .invalidRequest(peer: peer, call: call, reason: why)
        case .failed(let why): return .failed(peer: peer, call: call, reason: why)
        }
    }
}
