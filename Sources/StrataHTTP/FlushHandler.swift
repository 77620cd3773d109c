import Hummingbird
import Logging
import StrataModel

/// `POST /ingester/flush` (Mimir's): cuts the in-memory heads into blocks and ships them to the
/// object store, answering 204 once every block is in the bucket. `tenant=<id>` (repeatable, in
/// the query string or the form/JSON body) restricts the flush to those tenants.
///
/// It changes state, so it follows `StateChangingRequest`: POST with a form or JSON content
/// type only (`curl -X POST -d '' …`). Tenants are independent: when some fail, the others are
/// still cut and shipped, and the 500 names each failed tenant and why.
struct FlushHandler: Sendable {
    /// Flushes the tenants (all when nil); returns why each failed tenant failed.
    let flush: @Sendable (Set<TenantID>?) async throws -> [TenantID: String]
    let logger: Logger

    func handle(_ request: Request) async -> Response {
        if let refusal = StateChangingRequest.refusal(request) { return refusal }
        var named: [String] = request.uri.queryParameters.getAll("tenant").map { String($0) }
        do throws(PlainError) {
            named += try await StateChangingRequest.formValues("tenant", in: request)
        } catch {
            return error.response
        }
        var tenants: Set<TenantID>? = nil
        if !named.isEmpty {
            var set = Set<TenantID>()
            for raw in named {
                do {
                    set.insert(try TenantID(validating: raw))
                } catch {
                    return PlainError(.badRequest, "invalid tenant parameter \"\(raw)\": \(error) (\(ErrorID.invalidTenantID.id))").response
                }
            }
            tenants = set
        }
        let started = ContinuousClock.now
        let failures: [TenantID: String]
        do {
            failures = try await flush(tenants)
        } catch {
            logger.error("flush failed", metadata: ["err": "\(error)"])
            return PlainError(.internalServerError, "flush failed: \(error)").response
        }
        let scope = tenants.map { $0.map(\.rawValue).sorted().joined(separator: ",") } ?? "all"
        if !failures.isEmpty {
            let list = failures.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            logger.error("flush failed for some tenants; the others were shipped", metadata: [
                "tenants": "\(scope)", "failed": "\(failures.keys.map(\.rawValue).sorted().joined(separator: ","))",
            ])
            return PlainError(.internalServerError,
                              "flush failed for \(failures.count) tenant(s); the blocks of every other tenant were shipped. Failed: \(list.joined(separator: "; "))").response
        }
        logger.info("flush finished", metadata: [
            "tenants": "\(scope)",
            "duration": "\(ContinuousClock.now - started)",
        ])
        return Response(status: .noContent)
    }
}
