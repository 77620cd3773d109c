import GRPCCore
import StrataModel

/// Serves the reads (Select, LabelNames, LabelValues) of `strata.Ingester` or
/// `strata.StoreGateway` for anything that is a `Queryable`: an ingester's recent data or a
/// store-gateway's blocks, so queriers in other processes reach them through `RemoteQueryable`.
///
/// Select streams its series in batches of about `RPCDefaults.selectBatchBytes`, in the
/// Queryable's order. Statuses: a malformed request (bad bytes, tenant, matcher type or regex)
/// → `invalidArgument`; any error of the Queryable → `internal` with the error's message. A read
/// is cancelled when the caller's deadline passes, the caller goes away or the server stops
/// (status `unavailable`): it is cheap to retry on another replica.
public struct QuerierRPCService: RegistrableRPCService {
    private let queryable: any Queryable
    private let batchBytes: Int
    private let methods: StrataRPCMethods.ReadMethods

    /// Serves reads from `queryable` under the service of `role`; `batchBytes` is the size at
    /// which a Select batch is sent.
    public init(queryable: any Queryable, role: RPCPeerRole, batchBytes: Int = RPCDefaults.selectBatchBytes) {
        self.queryable = queryable
        self.batchBytes = max(1, batchBytes)
        self.methods = StrataRPCMethods.reads(for: role)
    }

    /// Registers Select, LabelNames and LabelValues with the server's router.
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let queryable = self.queryable
        let batchBytes = self.batchBytes

        router.registerHandler(forMethod: methods.select,
                               deserializer: ReadRequestDeserializer(name: RPCMessageName.selectRequest, requiresLabelName: false),
                               serializer: SelectResponseSerializer()) { request, _ in
            let read = try await ServerRequest(stream: request).message
            let series: [QuerySeries]
            do {
                series = try await cancelledWithRPC("Select for tenant \(read.tenant)") {
                    try await queryable.select(SelectRequest(tenant: read.tenant, minTime: read.minTime,
                                                             maxTime: read.maxTime, matchers: read.matchers,
                                                             maxResolution: read.maxResolution))
                }
            } catch {
                throw Self.status(for: error, method: "Select", tenant: read.tenant)
            }
            return StreamingServerResponse { writer in
                var start = 0
                var pending = 0
                for (i, s) in series.enumerated() {
                    pending += SeriesEncoding.fieldSize(s)
                    if pending >= batchBytes {
                        try await writer.write(series[start...i])
                        start = i + 1
                        pending = 0
                    }
                }
                if start < series.count {
                    try await writer.write(series[start...])
                }
                return [:]
            }
        }

        router.registerHandler(forMethod: methods.labelNames,
                               deserializer: ReadRequestDeserializer(name: RPCMessageName.labelNamesRequest, requiresLabelName: false),
                               serializer: LabelsResponseSerializer()) { request, _ in
            let read = try await ServerRequest(stream: request).message
            let names: [String]
            do {
                names = try await cancelledWithRPC("LabelNames for tenant \(read.tenant)") {
                    try await queryable.labelNames(tenant: read.tenant, minTime: read.minTime, maxTime: read.maxTime,
                                                   matchers: read.matchers)
                }
            } catch {
                throw Self.status(for: error, method: "LabelNames", tenant: read.tenant)
            }
            return StreamingServerResponse(single: ServerResponse(message: names))
        }

        router.registerHandler(forMethod: methods.labelValues,
                               deserializer: ReadRequestDeserializer(name: RPCMessageName.labelValuesRequest, requiresLabelName: true),
                               serializer: LabelsResponseSerializer()) { request, _ in
            let read = try await ServerRequest(stream: request).message
            let values: [String]
            do {
                values = try await cancelledWithRPC("LabelValues for tenant \(read.tenant)") {
                    try await queryable.labelValues(tenant: read.tenant, name: read.labelName ?? "", minTime: read.minTime,
                                                    maxTime: read.maxTime, matchers: read.matchers)
                }
            } catch {
                throw Self.status(for: error, method: "LabelValues", tenant: read.tenant)
            }
            return StreamingServerResponse(single: ServerResponse(message: values))
        }
    }

    /// A Queryable's failure as a status: `internal`, naming the call and tenant, unless the
    /// Queryable already chose a status.
    static func status(for error: any Error, method: String, tenant: TenantID) -> RPCError {
        if let rpc = error as? RPCError { return rpc }
        return RPCError(code: .internalError, message: "\(method) for tenant \(tenant) failed: \(error)")
    }
}
