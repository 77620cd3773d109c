import GRPCCore

/// The gRPC services and methods Strata's roles expose to each other (docs/format/rpc.md).
///
/// Ingesters serve `strata.Ingester` (Push and the reads); store-gateways serve
/// `strata.StoreGateway` (the reads). The read methods have the same messages in both services;
/// distinct service names let one process serve both roles.
public enum StrataRPCMethods {
    /// `strata.Ingester`: the write path and recent data, served by ingesters.
    public static let ingesterService = ServiceDescriptor(fullyQualifiedService: "strata.Ingester")
    /// `strata.StoreGateway`: blocks from the bucket, served by store-gateways.
    public static let storeGatewayService = ServiceDescriptor(fullyQualifiedService: "strata.StoreGateway")

    /// `strata.Frontend`: the query-frontend's queue, served by frontends, pulled by queriers.
    public static let frontendService = ServiceDescriptor(fullyQualifiedService: "strata.Frontend")

    /// `strata.Frontend/Process` (bidirectional streaming): the querier sends `hello`, then
    /// answers each request the frontend sends (`FrontendStreamMessage`).
    public static let frontendProcess = MethodDescriptor(service: frontendService, method: "Process", type: .bidirectionalStreaming)

    /// `strata.Ingester/Push` (unary): `PushRequest` → `PushResponse`.
    public static let push = MethodDescriptor(service: ingesterService, method: "Push", type: .unary)

    /// The read methods of one role's service.
    public struct ReadMethods: Sendable {
        /// `Select` (server streaming): `SelectRequest` → stream of `SelectResponse`.
        public let select: MethodDescriptor
        /// `LabelNames` (unary): `LabelNamesRequest` → `LabelsResponse`.
        public let labelNames: MethodDescriptor
        /// `LabelValues` (unary): `LabelValuesRequest` → `LabelsResponse`.
        public let labelValues: MethodDescriptor

        init(_ service: ServiceDescriptor) {
            select = MethodDescriptor(service: service, method: "Select", type: .serverStreaming)
            labelNames = MethodDescriptor(service: service, method: "LabelNames", type: .unary)
            labelValues = MethodDescriptor(service: service, method: "LabelValues", type: .unary)
        }
    }

    /// `strata.Ingester/Select|LabelNames|LabelValues`.
    public static let ingesterReads = ReadMethods(ingesterService)
    /// `strata.StoreGateway/Select|LabelNames|LabelValues`.
    public static let storeGatewayReads = ReadMethods(storeGatewayService)

    /// The read methods a peer of `role` serves.
    public static func reads(for role: RPCPeerRole) -> ReadMethods {
        switch role {
        case .ingester: ingesterReads
        case .storeGateway: storeGatewayReads
        }
    }
}
