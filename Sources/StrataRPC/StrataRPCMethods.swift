import GRPCCore

/// The gRPC services and methods Strata's roles expose to each other (docs/format/rpc.md).
public enum StrataRPCMethods {
    /// `strata.Ingester`: the write path, served by ingesters.
    public static let ingesterService = ServiceDescriptor(fullyQualifiedService: "strata.Ingester")
    /// `strata.Querier`: the read path, served by ingesters and store-gateways.
    public static let querierService = ServiceDescriptor(fullyQualifiedService: "strata.Querier")

    /// `strata.Ingester/Push` (unary): `PushRequest` → `PushResponse`.
    public static let push = MethodDescriptor(service: ingesterService, method: "Push", type: .unary)
    /// `strata.Querier/Select` (server streaming): `SelectRequest` → stream of `SelectResponse`.
    public static let select = MethodDescriptor(service: querierService, method: "Select", type: .serverStreaming)
    /// `strata.Querier/LabelNames` (unary): `LabelNamesRequest` → `LabelsResponse`.
    public static let labelNames = MethodDescriptor(service: querierService, method: "LabelNames", type: .unary)
    /// `strata.Querier/LabelValues` (unary): `LabelValuesRequest` → `LabelsResponse`.
    public static let labelValues = MethodDescriptor(service: querierService, method: "LabelValues", type: .unary)
}
