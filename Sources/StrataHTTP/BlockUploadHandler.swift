import Hummingbird
import Logging
import NIOCore
import StrataLimits
import StrataModel

/// Mimir's block-upload API, what `strata admin backfill` calls, for the tenant of `X-Scope-OrgID`:
///
/// - `POST /api/v1/upload/block/{block}/start`, body the block's `meta.json`: checks it and
///   records the upload (`<tenant>/<block>/uploading-meta.json`).
/// - `POST /api/v1/upload/block/{block}/files?path=<index|chunks/NNNNNN>`, body the file's bytes.
/// - `POST /api/v1/upload/block/{block}/finish`: validates the block in the background; when it
///   passes, `meta.json` is written last, so readers see the block whole or not at all.
/// - `GET /api/v1/upload/block/{block}/check`: `{"result": "uploading|validating|failed|complete", "error": …}`.
///
/// The POSTs refuse requests a browser marks cross-site. `start` takes `application/json`,
/// `files` any content type (it is the file), `finish` a form or JSON body as every other
/// state-changing endpoint.
struct BlockUploadHandler: Sendable {
    let tenants: TenantResolver
    let storage: any AdminStorage
    let logger: Logger

    /// Largest `meta.json` accepted by `start` (Prometheus writes well under a kilobyte, Strata's
    /// per-metric counts add a few more).
    static let maxMetaBytes = 4 * 1024 * 1024

    func register(on router: Router<BasicRequestContext>) {
        router.post("/api/v1/upload/block/{block}/start") { request, context in
            await self.start(request, id: context.parameters.get("block") ?? "")
        }
        router.post("/api/v1/upload/block/{block}/files") { request, context in
            await self.file(request, id: context.parameters.get("block") ?? "")
        }
        router.post("/api/v1/upload/block/{block}/finish") { request, context in
            await self.finish(request, id: context.parameters.get("block") ?? "")
        }
        router.get("/api/v1/upload/block/{block}/check") { request, context in
            await self.check(request, id: context.parameters.get("block") ?? "")
        }
    }

    /// The tenant and the block ID, or the answer refusing them.
    private func target(_ request: Request, id: String) throws(PlainError) -> TenantID {
        if request.method == .post, let site = request.header("sec-fetch-site"), site.lowercased() == "cross-site" {
            throw PlainError(.forbidden, "cross-site request to \(request.uri.path) refused: a page of another site may not upload blocks (\(ErrorID.crossSiteRequest.id))")
        }
        let tenant = try tenants.writeTenant(request)
        try AdminJSON.checkBlockID(id)
        return tenant
    }

    private func start(_ request: Request, id: String) async -> Response {
        let tenant: TenantID
        let meta: ByteBuffer
        do throws(PlainError) {
            tenant = try target(request, id: id)
            guard StateChangingRequest.mediaType(request) == "application/json" else {
                throw PlainError(.unsupportedMediaType, "start takes the block's meta.json with Content-Type: application/json (\(ErrorID.unsupportedContentType.id))")
            }
            do {
                meta = try await request.body.collect(upTo: Self.maxMetaBytes)
            } catch {
                throw PlainError(.contentTooLarge, "meta.json is larger than \(Self.maxMetaBytes) bytes (\(ErrorID.blockUploadTooLarge.id))")
            }
        } catch {
            return error.response
        }
        do {
            try await storage.startUpload(tenant: tenant, id: id, meta: Array(meta.readableBytesView))
            logger.info("block upload started", metadata: ["tenant": "\(tenant)", "block": "\(id)"])
            return AdminJSON.response(AdminUploadState(result: .uploading))
        } catch {
            return AdminJSON.error(error, logger: logger)
        }
    }

    private func file(_ request: Request, id: String) async -> Response {
        let tenant: TenantID
        let path: String
        do throws(PlainError) {
            tenant = try target(request, id: id)
            let paths = request.uri.queryParameters.getAll("path")
            guard paths.count == 1, let only = paths.first, !only.isEmpty else {
                throw PlainError(.badRequest, "files needs exactly one path=<index|chunks/NNNNNN> parameter (\(ErrorID.blockUploadInvalid.id))")
            }
            path = String(only)
        } catch {
            return error.response
        }
        do {
            try await storage.uploadFile(tenant: tenant, id: id, path: path, body: request.body)
            return AdminJSON.response(AdminUploadState(result: .uploading))
        } catch {
            return AdminJSON.error(error, logger: logger)
        }
    }

    private func finish(_ request: Request, id: String) async -> Response {
        if let refusal = StateChangingRequest.refusal(request) { return refusal }
        let tenant: TenantID
        do { tenant = try target(request, id: id) } catch { return error.response }
        do {
            try await storage.finishUpload(tenant: tenant, id: id)
            logger.info("block upload finished; validating", metadata: ["tenant": "\(tenant)", "block": "\(id)"])
            return AdminJSON.response(AdminUploadState(result: .validating))
        } catch {
            return AdminJSON.error(error, logger: logger)
        }
    }

    private func check(_ request: Request, id: String) async -> Response {
        let tenant: TenantID
        do { tenant = try target(request, id: id) } catch { return error.response }
        do {
            return AdminJSON.response(try await storage.uploadState(tenant: tenant, id: id))
        } catch {
            return AdminJSON.error(error, logger: logger)
        }
    }
}

/// `GET /api/v1/user_limits` (Mimir's path): the tenant's effective limits, defaults with its
/// runtime overrides applied, every limit under its YAML key. Numbers are JSON numbers, booleans
/// booleans, durations Prometheus duration strings (`10m`), the blocked queries as `[{"pattern", "regex"}]`.
struct UserLimitsHandler: Sendable {
    let tenants: TenantResolver
    let overrides: Overrides

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/user_limits") { request, _ in self.handle(request) }
    }

    func handle(_ request: Request) -> Response {
        let tenant: TenantID
        do { tenant = try tenants.writeTenant(request) } catch { return error.response }
        return AdminJSON.raw(Array(Self.json(overrides.limits(for: tenant)).utf8))
    }

    /// The limits as one JSON object in the order `-print.config` lists them.
    static func json(_ limits: Limits) -> String {
        var members: [String] = []
        for key in LimitKey.all {
            let text = key.format(limits)
            let value: String
            switch key.kind {
            case .double, .int:
                value = Double(text).map { $0.isFinite ? text : jsonQuote(text) } ?? jsonQuote(text)
            case .bool:
                value = text == "true" ? "true" : "false"
            case .duration, .labelName, .string:
                value = jsonQuote(text)
            case .blockedQueries(let field):
                value = "[" + limits[keyPath: field].map { "{\"pattern\":\(jsonQuote($0.pattern)),\"regex\":\($0.regex)}" }
                    .joined(separator: ",") + "]"
            }
            members.append("\(jsonQuote(key.yamlKey)):\(value)")
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}
