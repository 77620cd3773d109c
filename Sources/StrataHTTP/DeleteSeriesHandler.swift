import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StrataDeletes
import StrataModel

/// What the delete and tenant-deletion endpoints need from the server: the request store in the
/// bucket, the readers' cache of it, the audit log, and the tenant-deletion hooks.
public struct DeletesAPI: Sendable {
    /// Delete requests in the bucket.
    public var store: DeleteRequestStore
    /// The readers' view of the requests in this process (invalidated on every change here).
    public var cache: DeleteRequestsCache
    /// The audit trail.
    public var audit: DeleteAuditLog
    /// Most pending requests a tenant may have at once.
    public var maxPendingPerTenant: Int
    /// Drops the tenant's in-memory and on-disk head in this process's ingester, if it has one.
    public var dropTenantHead: (@Sendable (TenantID) async throws -> Void)?
    /// The current time, ms.
    public var now: @Sendable () -> Int64

    /// Creates the API description.
    public init(store: DeleteRequestStore, cache: DeleteRequestsCache, audit: DeleteAuditLog, maxPendingPerTenant: Int,
                dropTenantHead: (@Sendable (TenantID) async throws -> Void)?, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.cache = cache
        self.audit = audit
        self.maxPendingPerTenant = maxPendingPerTenant
        self.dropTenantHead = dropTenantHead
        self.now = now
    }
}

/// Prometheus's `/api/v1/admin/tsdb/delete_series` for one tenant, with Cortex's list and
/// cancel: `POST` records a request (204, its ID in `X-Strata-Delete-Request-Id`), `GET` lists
/// the tenant's requests, `POST cancel_delete_request?request_id=` cancels a pending one.
/// `redact_label` and `redact_value` turn a request into a label redaction. Every change is
/// audited with the tenant and the `X-Strata-User` header.
struct DeleteSeriesHandler: Sendable {
    /// Most `match[]` selectors in one request.
    static let maxSelectors = 64
    /// How far past this process's clock `end` may be (clients' clocks differ a little), ms.
    static let clockSkewAllowance: Int64 = 60_000
    /// Header carrying the ID of a recorded request.
    static let requestIDHeader = "X-Strata-Delete-Request-Id"

    let tenants: TenantResolver
    let api: DeletesAPI
    let logger: Logger

    func register(on router: Router<BasicRequestContext>, prefix: String) {
        router.post(RouterPath("\(prefix)/admin/tsdb/delete_series")) { request, _ in await self.serve(request) { r, p, t throws(PromAPIError) in try await self.create(r, p, t) } }
        router.put(RouterPath("\(prefix)/admin/tsdb/delete_series")) { request, _ in await self.serve(request) { r, p, t throws(PromAPIError) in try await self.create(r, p, t) } }
        router.get(RouterPath("\(prefix)/admin/tsdb/delete_series")) { request, _ in await self.serve(request) { r, p, t throws(PromAPIError) in try await self.list(r, p, t) } }
        router.post(RouterPath("\(prefix)/admin/tsdb/cancel_delete_request")) { request, _ in await self.serve(request) { r, p, t throws(PromAPIError) in try await self.cancel(r, p, t) } }
    }

    private func serve(_ request: Request,
                       _ body: @Sendable (Request, PromAPIParams, TenantID) async throws(PromAPIError) -> Response) async -> Response {
        let tenant: TenantID
        do {
            let list = try tenants.readTenants(request)
            guard list.count == 1, let only = list.first else {
                return PromAPIHandler.errorResponse(PromAPIError(.badData, "delete requests name exactly one tenant, got \(list.count) (\(ErrorID.invalidDeleteRequest.id))"), request: request)
            }
            tenant = only
        } catch {
            return error.response
        }
        if let site = request.header("sec-fetch-site"), site.lowercased() == "cross-site", request.method != .get {
            return PlainError(.forbidden, "cross-site request to \(request.uri.path) refused (\(ErrorID.crossSiteRequest.id))").response
        }
        do {
            let params = try await PromAPIParams.read(request)
            return try await body(request, params, tenant)
        } catch {
            if error.status >= 500 {
                logger.warning("delete API request failed", metadata: ["path": "\(request.uri.path)", "err": "\(error.message)"])
            }
            return PromAPIHandler.errorResponse(error, request: request)
        }
    }

    private func user(_ request: Request) -> String {
        String((request.header("x-strata-user") ?? "").prefix(256))
    }

    private func create(_ request: Request, _ params: PromAPIParams, _ tenant: TenantID) async throws(PromAPIError) -> Response {
        let selectors = params.values("match[]")
        guard !selectors.isEmpty else { throw PromAPIError(.badData, "no match[] parameter provided (\(ErrorID.invalidDeleteRequest.id))") }
        guard selectors.count <= Self.maxSelectors else {
            throw .invalidParam("match[]", "\(selectors.count) selectors, at most \(Self.maxSelectors) per request (\(ErrorID.invalidDeleteRequest.id))")
        }
        let sets = try PromAPIHandler.parseMatchers(selectors)
        let start = try PromAPITime.parseTimeParam(params.value("start"), name: "start", fallback: PromAPITime.minTime)
        // As Cortex's purger: the end defaults to now and may not be later, so that a request
        // covers samples that exist and can be processed once ingesters have shipped them.
        let now = api.now()
        let end = try PromAPITime.parseTimeParam(params.value("end"), name: "end", fallback: now)
        guard end <= now + Self.clockSkewAllowance else {
            throw .invalidParam("end", "deletes in the future are not allowed; end is at most now (\(ErrorID.invalidDeleteRequest.id))")
        }
        guard start <= end else {
            throw .invalidParam("end", "end timestamp must not be before start time (\(ErrorID.invalidDeleteRequest.id))")
        }
        let label = params.value("redact_label")
        let value = params.value("redact_value")
        var redaction: DeleteRequest.Redaction? = nil
        if !label.isEmpty {
            // Any UTF-8 name is a label name since Prometheus 3; the metric name is not redactable.
            guard label.utf8.count <= 1024, label != metricNameLabel else {
                throw .invalidParam("redact_label", "\"\(label)\" is not a label name that can be redacted (\(ErrorID.invalidDeleteRequest.id))")
            }
            guard !value.isEmpty, value.utf8.count <= 1024 else {
                throw .invalidParam("redact_value", "a redaction needs a non-empty redact_value of at most 1024 bytes (\(ErrorID.invalidDeleteRequest.id))")
            }
            redaction = .init(label: label, value: value)
        } else if !value.isEmpty {
            throw .invalidParam("redact_label", "redact_value was given without redact_label (\(ErrorID.invalidDeleteRequest.id))")
        }
        let existing = try await storeCall { () throws(DeletesError) in try await api.store.list(tenant) }
        let pending = existing.filter { $0.state == .pending }.count
        guard pending < api.maxPendingPerTenant else {
            throw PromAPIError(errorType: "too_many_requests", status: 429,
                               message: DeletesError.tooManyRequests(limit: api.maxPendingPerTenant).description)
        }
        let who = user(request)
        let r = DeleteRequest(id: DeleteRequest.makeID(), selectors: selectors, matcherSets: sets, startTime: start, endTime: end,
                              createdAt: now, user: who, redaction: redaction)
        try await storeCall { () throws(DeletesError) in try await api.store.create(r, tenant: tenant) }
        api.cache.invalidate(tenant)
        try await storeCall { () throws(DeletesError) in
            try await api.audit.append(tenant: tenant, request: r, action: "create", user: who, time: now,
                                       detail: redaction.map { "redact \($0.label)" } ?? "delete")
        }
        logger.info("delete request recorded", metadata: [
            "tenant": "\(tenant.rawValue)", "request_id": "\(r.id)", "selectors": "\(selectors)", "user": "\(who)"])
        var response = Response(status: .noContent)
        if let name = HTTPField.Name(Self.requestIDHeader) { response.headers[name] = r.id }
        return response
    }

    private func list(_ request: Request, _ params: PromAPIParams, _ tenant: TenantID) async throws(PromAPIError) -> Response {
        let requests = try await storeCall { () throws(DeletesError) in try await api.store.list(tenant) }
        var json = JSONWriter(capacity: 256 * (requests.count + 1))
        json.byte(UInt8(ascii: "["))
        for (i, r) in requests.enumerated() {
            if i > 0 { json.byte(UInt8(ascii: ",")) }
            Self.write(r, to: &json)
        }
        json.byte(UInt8(ascii: "]"))
        return PromAPIHandler.jsonResponse(json.buffer, status: .ok, request: request)
    }

    private func cancel(_ request: Request, _ params: PromAPIParams, _ tenant: TenantID) async throws(PromAPIError) -> Response {
        let id = params.value("request_id")
        guard !id.isEmpty else { throw .invalidParam("request_id", "missing request_id (\(ErrorID.invalidDeleteRequest.id))") }
        let now = api.now()
        let who = user(request)
        let r: DeleteRequest
        do {
            r = try await api.store.cancel(tenant, id: id, user: who, now: now)
        } catch {
            switch error {
            case .unknownRequest: throw PromAPIError(.notFound, error.description)
            case .notPending: throw PromAPIError(.badData, error.description)
            default: throw PromAPIError(.unavailable, "\(error) (\(ErrorID.deletesUnavailable.id))")
            }
        }
        api.cache.invalidate(tenant)
        try await storeCall { () throws(DeletesError) in try await api.audit.append(tenant: tenant, request: r, action: "cancel", user: who, time: now) }
        logger.info("delete request cancelled", metadata: ["tenant": "\(tenant.rawValue)", "request_id": "\(id)", "user": "\(who)"])
        return Response(status: .noContent)
    }

    private func storeCall<T>(_ body: () async throws(DeletesError) -> T) async throws(PromAPIError) -> T {
        do {
            return try await body()
        } catch {
            throw PromAPIError(.unavailable, "\(error) (\(ErrorID.deletesUnavailable.id))")
        }
    }

    /// One request as the list shows it (Cortex's fields, times in Unix seconds).
    static func write(_ r: DeleteRequest, to json: inout JSONWriter) {
        json.raw("{\"request_id\":")
        json.string(r.id)
        json.raw(",\"start_time\":")
        json.timestamp(r.startTime)
        json.raw(",\"end_time\":")
        json.timestamp(r.endTime)
        json.raw(",\"selectors\":")
        json.stringArray(r.selectors)
        json.raw(",\"status\":")
        json.string(r.state.rawValue)
        json.raw(",\"created_at\":")
        json.timestamp(r.createdAt)
        json.raw(",\"user\":")
        json.string(r.user)
        if r.state != .pending {
            json.raw(",\"state_changed_at\":")
            json.timestamp(r.stateChangedAt)
        }
        if let red = r.redaction {
            json.raw(",\"redact_label\":")
            json.string(red.label)
            json.raw(",\"redact_value\":")
            json.string(red.value)
        }
        json.byte(UInt8(ascii: "}"))
    }
}
