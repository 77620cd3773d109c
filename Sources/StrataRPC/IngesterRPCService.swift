import GRPCCore
import StrataIngester
import StrataModel

/// Serves `strata.Ingester/Push` for an ingester, so distributors in other processes reach it
/// through `RemoteIngesterClient`, and, with an exemplar store, `strata.Ingester/Exemplars` and
/// `strata.Ingester/Metadata`, so queriers read what remote write sent (`RemoteExemplarMetadataReader`).
///
/// Statuses: `IngesterError.unavailable` → `unavailable`, `IngesterError.storage` → `internal`,
/// a malformed request → `invalidArgument`, an answer larger than `RPCDefaults.maxMessageBytes`
/// → `resourceExhausted`; each status message is the operator-facing reason. Refused samples
/// are not an error: they travel in the response's counts. A push in flight always runs to its
/// end, also through a graceful stop, so the distributor learns what the ingester stored.
///
/// The exemplars and metadata of a push are stored only when the ingester stored the push (it
/// did not throw), with the store's own rules and limits (`max_global_exemplars_per_user`), as
/// in-process; the exemplars stored are reported in the response (`appended_exemplars`).
public struct IngesterRPCService: RegistrableRPCService {
    private let ingester: any IngesterClient
    private let store: (any ExemplarMetadataSink & ExemplarQueryable & MetadataQueryable)?

    /// Serves pushes into `ingester` (the in-process `Ingester` of this process), and the
    /// exemplars and metadata of `store` (the ingester's `ExemplarMetadataStore`) when given.
    public init(ingester: any IngesterClient, store: (any ExemplarMetadataSink & ExemplarQueryable & MetadataQueryable)? = nil) {
        self.ingester = ingester
        self.store = store
    }

    /// Registers Push, and Exemplars and Metadata with a store, with the server's router.
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let ingester = self.ingester
        let store = self.store
        router.registerHandler(forMethod: StrataRPCMethods.push,
                               deserializer: PushRequestDeserializer(),
                               serializer: IngestResultSerializer()) { request, _ in
            let push = try await ServerRequest(stream: request).message
            var result = IngestResult()
            // A push of metadata alone (remote write 1.0 sends it apart) touches no head.
            if !push.batch.series.isEmpty || push.receivedExtras.isEmpty {
                do throws(IngesterError) {
                    result = try await ingester.push(tenant: push.tenant, batch: push.batch)
                } catch {
                    throw Self.status(for: error)
                }
            }
            if let store, !push.receivedExtras.isEmpty {
                result.appendedExemplars = store.store(tenant: push.tenant, extras: push.receivedExtras)
            }
            return StreamingServerResponse(single: ServerResponse(message: result))
        }
        guard let store else { return }
        router.registerHandler(forMethod: StrataRPCMethods.exemplars,
                               deserializer: ExemplarsRequestDeserializer(),
                               serializer: ExemplarsResponseSerializer()) { request, _ in
            let call = try await ServerRequest(stream: request).message
            let groups: [SeriesExemplars]
            do {
                groups = try await store.exemplars(tenant: call.tenant, start: call.start, end: call.end, matcherSets: call.matcherSets)
            } catch {
                throw RPCError(code: .internalError, message: "Exemplars for tenant \(call.tenant) failed: \(error)")
            }
            try CardinalityRPCService.checkSize(ExemplarMetadataSizes.exemplarsResponse(groups), method: "Exemplars", tenant: call.tenant)
            return StreamingServerResponse(single: ServerResponse(message: groups))
        }
        router.registerHandler(forMethod: StrataRPCMethods.metadata,
                               deserializer: MetadataRequestDeserializer(),
                               serializer: MetadataResponseSerializer()) { request, _ in
            let call = try await ServerRequest(stream: request).message
            let lists: [MetricMetadataList]
            do {
                lists = try await store.metadata(tenant: call.tenant, metric: call.metric, limit: call.limit > 0 ? call.limit : -1,
                                                 limitPerMetric: call.limitPerMetric).map { MetricMetadataList(metric: $0.metric, entries: $0.entries) }
            } catch {
                throw RPCError(code: .internalError, message: "Metadata for tenant \(call.tenant) failed: \(error)")
            }
            try CardinalityRPCService.checkSize(ExemplarMetadataSizes.metadataResponse(lists), method: "Metadata", tenant: call.tenant)
            return StreamingServerResponse(single: ServerResponse(message: lists))
        }
    }

    /// The status a push failure travels as. The message is the reason alone: the client puts
    /// it back into the same `IngesterError` case, prefixed with the ingester's address.
    static func status(for error: IngesterError) -> RPCError {
        switch error {
        case .unavailable(let why): return RPCError(code: .unavailable, message: why)
        case .storage(let why): return RPCError(code: .internalError, message: why)
        }
    }
}
