import GRPCCore
import StrataModel

/// Serves `strata.Ingester/CardinalityIndex` and `strata.Ingester/ActiveSeries` for an
/// ingester, so queriers of other processes merge the cardinality of the whole ring
/// (`RemoteCardinalityReplica`).
///
/// The work stops at the caller's timeout (capped at `CardinalityRPCLimits.maxTimeout`) or when
/// the caller goes away. Statuses: a malformed or out-of-bounds request → `invalidArgument`; an
/// answer larger than `RPCDefaults.maxMessageBytes` → `resourceExhausted` (narrow the request
/// with a selector); the deadline passing → `deadlineExceeded`; any other failure → `internal`.
public struct CardinalityRPCService: RegistrableRPCService {
    private let replica: any CardinalityReplica

    /// Serves the cardinality of `replica` (the in-process `Ingester`).
    public init(replica: any CardinalityReplica) {
        self.replica = replica
    }

    /// Registers CardinalityIndex and ActiveSeries with the server's router.
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let replica = self.replica
        router.registerHandler(forMethod: StrataRPCMethods.cardinalityIndex,
                               deserializer: CardinalityRequestDeserializer(requiresLimit: false),
                               serializer: CardinalityIndexSerializer()) { request, _ in
            let call = try await ServerRequest(stream: request).message
            let index: CardinalityIndex
            do {
                index = try await cancelledWithRPC("CardinalityIndex for tenant \(call.tenant)") {
                    try await replica.cardinalityIndex(Self.request(call), labelNames: call.labelNames)
                }
            } catch {
                throw Self.status(for: error, method: "CardinalityIndex", tenant: call.tenant)
            }
            try Self.checkSize(CardinalityIndexEncoding.size(index), method: "CardinalityIndex", tenant: call.tenant)
            return StreamingServerResponse(single: ServerResponse(message: index))
        }
        router.registerHandler(forMethod: StrataRPCMethods.activeSeries,
                               deserializer: CardinalityRequestDeserializer(requiresLimit: true),
                               serializer: ActiveSeriesSerializer()) { request, _ in
            let call = try await ServerRequest(stream: request).message
            let answer: ActiveSeries
            do {
                answer = try await cancelledWithRPC("ActiveSeries for tenant \(call.tenant)") {
                    try await replica.activeSeries(Self.request(call))
                }
            } catch {
                throw Self.status(for: error, method: "ActiveSeries", tenant: call.tenant)
            }
            try Self.checkSize(ActiveSeriesEncoding.size(answer), method: "ActiveSeries", tenant: call.tenant)
            return StreamingServerResponse(single: ServerResponse(message: answer))
        }
    }

    /// The model request of a call: its deadline is the caller's remaining time, capped.
    static func request(_ call: CardinalityCallRequest) -> CardinalityRequest {
        let timeout = call.timeoutMs > 0 ? min(Duration.milliseconds(call.timeoutMs), CardinalityRPCLimits.maxTimeout)
                                         : RPCDefaults.readTimeout
        return CardinalityRequest(tenant: call.tenant, matchers: call.matchers, limit: call.limit,
                                  deadline: ContinuousClock.now + timeout)
    }

    /// Refuses an answer the caller could not receive.
    static func checkSize(_ size: Int, method: String, tenant: TenantID) throws(RPCError) {
        guard size <= RPCDefaults.maxMessageBytes else {
            throw RPCError(code: .resourceExhausted,
                           message: "\(method) for tenant \(tenant): the answer is \(size) bytes, more than the \(RPCDefaults.maxMessageBytes) a message may carry; narrow the request with a selector")
        }
    }

    static func status(for error: any Error, method: String, tenant: TenantID) -> RPCError {
        switch error {
        case let rpc as RPCError: return rpc
        case CardinalityError.timeout: return RPCError(code: .deadlineExceeded, message: "\(method) for tenant \(tenant): \(CardinalityError.timeout)")
        case CardinalityError.canceled: return RPCError(code: .unavailable, message: "\(method) for tenant \(tenant): \(CardinalityError.canceled)")
        default: return RPCError(code: .internalError, message: "\(method) for tenant \(tenant) failed: \(error)")
        }
    }
}
