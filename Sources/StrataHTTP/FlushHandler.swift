import Hummingbird
import Logging
import StrataModel

/// `GET|POST /ingester/flush` (Mimir's): cuts the in-memory heads into blocks and ships them to
/// the object store, answering 204 once every block is in the bucket. `tenant=<id>` (repeatable)
/// restricts the flush to those tenants.
struct FlushHandler: Sendable {
    let flush: @Sendable (Set<TenantID>?) async throws -> Void
    let logger: Logger

    func handle(_ request: Request) async -> Response {
        var tenants: Set<TenantID>? = nil
        let named = request.uri.queryParameters.getAll("tenant")
        if !named.isEmpty {
            var set = Set<TenantID>()
            for raw in named {
                do {
                    set.insert(try TenantID(validating: String(raw)))
                } catch {
                    return PlainError(.badRequest, "invalid tenant parameter \"\(raw)\": \(error)").response
                }
            }
            tenants = set
        }
        let started = ContinuousClock.now
        do {
            try await flush(tenants)
        } catch {
            logger.error("flush failed", metadata: ["err": "\(error)"])
            return PlainError(.internalServerError, "flush failed: \(error)").response
        }
        logger.info("flush finished", metadata: [
            "tenants": "\(tenants.map { $0.map(\.rawValue).sorted().joined(separator: ",") } ?? "all")",
            "duration": "\(ContinuousClock.now - started)",
        ])
        return Response(status: .noContent)
    }
}
