import GRPCCore
import StrataIngester
import StrataModel

/// Serves `strata.Ingester/Push` for an ingester, so distributors in other processes reach it
/// through `RemoteIngesterClient`.
///
/// Statuses: `IngesterError.unavailable` → `unavailable`, `IngesterError.storage` → `internal`,
/// a malformed request → `invalidArgument`; each status message is the operator-facing reason.
/// Refused samples are not an error: they travel in the response's counts. A push in flight
/// always runs to its end, also through a graceful stop, so the distributor learns what the
/// ingester stored.
public struct IngesterRPCService: RegistrableRPCService {
    private let ingester: any IngesterClient

    /// Serves pushes into `ingester` (the in-process `Ingester` of this process).
    public init(ingester: any IngesterClient) {
        self.ingester = ingester
    }

    /// Registers Push with the server's router.
    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let ingester = self.ingester
        router.registerHandler(forMethod: StrataRPCMethods.push,
                               deserializer: PushRequestDeserializer(),
                               serializer: IngestResultSerializer()) { request, _ in
            let push = try await ServerRequest(stream: request).message
            let result: IngestResult
            do throws(IngesterError) {
                result = try await ingester.push(tenant: push.tenant, batch: push.batch)
            } catch {
                throw Self.status(for: error)
            }
            return StreamingServerResponse(single: ServerResponse(message: result))
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
