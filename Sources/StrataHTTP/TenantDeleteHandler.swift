import Hummingbird
import Logging
import NIOCore
import StrataDeletes
import StrataModel

/// Tenant deletion as Mimir's purger API: `POST /api/v1/tenant_delete` writes the tenant's
/// deletion mark (queriers answer nothing for the tenant from then on; this process's ingester
/// drops its head; the compactor deletes its blocks), `GET /api/v1/tenant_delete_status` says
/// whether blocks are left: `{"tenant_id": …, "blocks_deleted": true|false}`.
struct TenantDeleteHandler: Sendable {
    let tenants: TenantResolver
    let api: DeletesAPI
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.post("/api/v1/tenant_delete") { request, _ in await self.delete(request) }
        router.get("/api/v1/tenant_delete_status") { request, _ in await self.status(request) }
    }

    private func tenant(_ request: Request) throws(PlainError) -> TenantID {
        let list = try tenants.readTenants(request)
        guard list.count == 1, let only = list.first else {
            throw PlainError(.badRequest, "tenant deletion names exactly one tenant in X-Scope-OrgID, got \(list.count) (\(ErrorID.invalidTenantID.id))")
        }
        return only
    }

    private func delete(_ request: Request) async -> Response {
        if let site = request.header("sec-fetch-site"), site.lowercased() == "cross-site" {
            return PlainError(.forbidden, "cross-site request to \(request.uri.path) refused (\(ErrorID.crossSiteRequest.id))").response
        }
        let t: TenantID
        do { t = try tenant(request) } catch { return error.response }
        let user = String((request.header("x-strata-user") ?? "").prefix(256))
        do {
            try await TenantDeletionMark.write(bucket: api.store.bucket, tenant: t, now: api.now(), user: user)
        } catch {
            return PlainError(.serviceUnavailable, "recording the deletion of tenant \(t.rawValue) failed: \(error) (\(ErrorID.deletesUnavailable.id))").response
        }
        api.cache.invalidate(t)
        if let drop = api.dropTenantHead {
            do {
                try await drop(t)
            } catch {
                logger.warning("dropping the deleted tenant's head failed; the compactor still deletes its blocks",
                               metadata: ["tenant": "\(t.rawValue)", "err": "\(error)"])
            }
        }
        logger.info("tenant deletion requested", metadata: ["tenant": "\(t.rawValue)", "user": "\(user)"])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"tenant_id\":\(jsonQuote(t.rawValue)),\"status\":\"deletion requested\"}")))
    }

    private func status(_ request: Request) async -> Response {
        let t: TenantID
        do { t = try tenant(request) } catch { return error.response }
        do {
            let remain = try await TenantDeletionMark.blocksRemain(bucket: api.store.bucket, tenant: t)
            let marked = try await TenantDeletionMark.read(bucket: api.store.bucket, tenant: t) != nil
            let body = "{\"tenant_id\":\(jsonQuote(t.rawValue)),\"deletion_requested\":\(marked),\"blocks_deleted\":\(!remain)}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        } catch {
            return PlainError(.serviceUnavailable, "reading tenant \(t.rawValue)'s deletion status failed: \(error) (\(ErrorID.deletesUnavailable.id))").response
        }
    }
}
