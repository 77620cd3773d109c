#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StrataLimits
import StrataModel
import StrataPromQL
import StrataQueryFrontend

/// What `/api/v1/status/buildinfo` reports.
public struct PromBuildInfo: Sendable, Equatable {
    /// The release, e.g. `0.1.0`.
    public var version: String
    /// The source revision built, when known.
    public var revision: String
    /// The source branch built, when known.
    public var branch: String
    /// Who built the binary, when known.
    public var buildUser: String
    /// When the binary was built, when known.
    public var buildDate: String
    /// Prometheus reports its Go version here; Strata reports the Swift compiler it was built with.
    public var goVersion: String

    /// Creates build information.
    public init(version: String, revision: String = "", branch: String = "", buildUser: String = "",
                buildDate: String = "", goVersion: String = PromBuildInfo.swiftVersion) {
        self.version = version
        self.revision = revision
        self.branch = branch
        self.buildUser = buildUser
        self.buildDate = buildDate
        self.goVersion = goVersion
    }

    /// The Swift language version the binary was compiled with, e.g. `swift6.1`.
    public static var swiftVersion: String {
        #if swift(>=6.3)
        return "swift6.3"
        #elseif swift(>=6.2)
        return "swift6.2"
        #elseif swift(>=6.1)
        return "swift6.1"
        #else
        return "swift6.0"
        #endif
    }
}

/// The read half of the Prometheus HTTP API (`/prometheus/api/v1/…`, also at `/api/v1/…`):
/// PromQL queries, series and label lookups, and the status and helper endpoints Grafana calls.
///
/// Every answer is Prometheus's JSON envelope; errors carry Prometheus's `errorType`, status
/// code and text. Tenant resolution failures answer in plain text before any of that, as
/// Mimir's auth middleware does.
struct PromAPIHandler: Sendable {
    let tenants: TenantResolver
    let queryable: any Queryable
    /// Per-tenant limits; the query limits of every request are read from it.
    let overrides: Overrides
    let engineOptions: EngineOptions
    let buildInfo: PromBuildInfo
    let logger: Logger
    /// The current time in ms (injectable for tests).
    let now: @Sendable () -> Int64
    /// The query-frontend `/query` and `/query_range` go through, when one runs in this process.
    var frontend: QueryFrontend? = nil
    /// Where `query_exemplars` reads; nil answers `[]`.
    var exemplarSource: (any ExemplarQueryable)? = nil
    /// Where `metadata` reads; nil answers `{}`.
    var metadataSource: (any MetadataQueryable)? = nil

    /// Registers every endpoint under `prefix` (e.g. `/prometheus/api/v1`).
    func register(on router: Router<BasicRequestContext>, prefix: String) {
        let both: [(String, @Sendable (PromAPIHandler, Request, PromAPIParams, [TenantID]) async throws(PromAPIError) -> Response)] = [
            ("query", { h, r, p, t throws(PromAPIError) in try await h.query(r, p, t) }),
            ("query_range", { h, r, p, t throws(PromAPIError) in try await h.queryRange(r, p, t) }),
            ("series", { h, r, p, t throws(PromAPIError) in try await h.series(r, p, t) }),
            ("labels", { h, r, p, t throws(PromAPIError) in try await h.labelNames(r, p, t) }),
            ("query_exemplars", { h, r, p, t throws(PromAPIError) in try await h.queryExemplars(r, p, t) }),
            ("format_query", { h, r, p, _ throws(PromAPIError) in try h.formatQuery(r, p) }),
            ("parse_query", { h, r, p, _ throws(PromAPIError) in try h.parseQuery(r, p) }),
        ]
        for (path, handler) in both {
            let route = RouterPath("\(prefix)/\(path)")
            router.get(route) { request, _ in await self.serve(request, needsTenant: path != "format_query" && path != "parse_query", handler) }
            router.post(route) { request, _ in await self.serve(request, needsTenant: path != "format_query" && path != "parse_query", handler) }
        }
        router.get(RouterPath("\(prefix)/label/:name/values")) { request, context in
            let name = context.parameters.get("name") ?? ""
            return await self.serve(request, needsTenant: true) { h, r, p, t throws(PromAPIError) in
                try await h.labelValues(r, p, t, rawName: name)
            }
        }
        router.get(RouterPath("\(prefix)/metadata")) { request, _ in
            await self.serve(request, needsTenant: true) { h, r, p, t throws(PromAPIError) in try await h.metadata(r, p, t) }
        }
        router.get(RouterPath("\(prefix)/status/buildinfo")) { request, _ in
            await self.serve(request, needsTenant: false) { h, r, _, _ throws(PromAPIError) in h.buildInfoResponse(r) }
        }
    }

    /// Resolves the tenant and parameters, runs `handler`, and turns a failure into Prometheus's
    /// error envelope.
    private func serve(
        _ request: Request, needsTenant: Bool,
        _ handler: @Sendable (PromAPIHandler, Request, PromAPIParams, [TenantID]) async throws(PromAPIError) -> Response
    ) async -> Response {
        var tenantList: [TenantID] = []
        if needsTenant {
            do {
                tenantList = try tenants.readTenants(request)
            } catch {
                return error.response
            }
        }
        do {
            let params = try await PromAPIParams.read(request)
            return try await handler(self, request, params, tenantList)
        } catch {
            // Client mistakes and timeouts are the client's to read; server faults are ours.
            if error.status == 500 {
                logger.warning("query API request failed", metadata: ["path": "\(request.uri.path)", "err": "\(error.message)"])
            }
            return Self.errorResponse(error, request: request)
        }
    }

    /// The storage a request of `tenants` reads: the tenant's own, or a federated view that adds
    /// `__tenant_id__` when several tenants are named; under the tenants' per-query limits when
    /// any is set (one count per call, so call it once per request).
    func storage(for tenants: [TenantID]) -> any Queryable {
        let base = tenants.count == 1 ? queryable : FederatedQueryable(inner: queryable, tenants: tenants)
        return QueryLimitsQueryable.limiting(base, overrides.queryLimits(for: tenants), now: now())
    }

    // MARK: - Responses

    /// Starts a success envelope; the caller writes `data` and then calls `finish`.
    static func beginSuccess(capacity: Int = 1024) -> JSONWriter {
        var json = JSONWriter(capacity: capacity)
        json.raw("{\"status\":\"success\",\"data\":")
        return json
    }

    /// Closes a success envelope with its warnings and infos and builds the response.
    static func finishSuccess(_ json: JSONWriter, warnings: [String] = [], infos: [String] = [], request: Request) -> Response {
        var json = json
        if !warnings.isEmpty {
            json.raw(",\"warnings\":")
            json.stringArray(warnings)
        }
        if !infos.isEmpty {
            json.raw(",\"infos\":")
            json.stringArray(infos)
        }
        json.byte(UInt8(ascii: "}"))
        return jsonResponse(json.buffer, status: .ok, request: request)
    }

    /// Prometheus's error envelope.
    static func errorResponse(_ error: PromAPIError, request: Request) -> Response {
        var json = JSONWriter(capacity: 128 + error.message.utf8.count)
        json.raw("{\"status\":\"error\",\"errorType\":")
        json.string(error.errorType)
        json.raw(",\"error\":")
        json.string(error.message)
        json.byte(UInt8(ascii: "}"))
        return jsonResponse(json.buffer, status: HTTPResponse.Status(code: error.status), request: request)
    }

    /// A JSON response, gzip-compressed when the client accepts it (as Prometheus compresses
    /// every API response).
    static func jsonResponse(_ body: ByteBuffer, status: HTTPResponse.Status, request: Request) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if GzipEncoder.accepts(request.header("accept-encoding")), let compressed = GzipEncoder.compress(body) {
            headers[.contentEncoding] = "gzip"
            headers[.vary] = "Accept-Encoding"
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: compressed))
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}

/// Wall-clock time for the API's defaults.
public enum PromAPIClock {
    /// Milliseconds since the Unix epoch, now.
    public static func nowMilliseconds() -> Int64 {
        WallClock.nowMilliseconds()
    }
}
