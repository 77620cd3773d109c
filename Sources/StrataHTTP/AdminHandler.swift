import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StrataModel

/// The admin endpoints over the bucket, what `strata admin tenants|blocks` calls:
///
/// - `GET /api/v1/admin/tenants`: tenants with blocks or head series (no `X-Scope-OrgID` needed).
/// - `GET /api/v1/admin/blocks`: the tenant's blocks.
/// - `GET /api/v1/admin/blocks/{id}`: one block's `meta.json`, files and marks.
/// - `POST /api/v1/admin/blocks/{id}/verify`: reads the whole block and lists its problems.
/// - `POST /api/v1/admin/blocks/{id}/mark-no-compact` (`reason=<text>`): Mimir's no-compact mark.
///
/// The POSTs follow `StateChangingRequest` (form or JSON body, no cross-site requests): verify
/// reads a whole block, which a link or a prefetch must not trigger.
struct AdminHandler: Sendable {
    let tenants: TenantResolver
    let storage: any AdminStorage
    let logger: Logger

    /// Longest `reason` accepted for a no-compact mark.
    static let maxReasonBytes = 1024

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/admin/tenants") { _, _ in await self.listTenants() }
        router.get("/api/v1/admin/blocks") { request, _ in await self.listBlocks(request) }
        router.get("/api/v1/admin/blocks/{id}") { request, context in
            await self.inspect(request, id: context.parameters.get("id") ?? "")
        }
        router.post("/api/v1/admin/blocks/{id}/verify") { request, context in
            await self.verify(request, id: context.parameters.get("id") ?? "")
        }
        router.post("/api/v1/admin/blocks/{id}/mark-no-compact") { request, context in
            await self.markNoCompact(request, id: context.parameters.get("id") ?? "")
        }
    }

    private func listTenants() async -> Response {
        do {
            let list = try await storage.tenants()
            return AdminJSON.response(["tenants": list])
        } catch {
            return AdminJSON.error(error, logger: logger)
        }
    }

    private func listBlocks(_ request: Request) async -> Response {
        let tenant: TenantID
        do { tenant = try tenants.writeTenant(request) } catch { return error.response }
        do {
            return AdminJSON.response(["blocks": try await storage.blocks(tenant: tenant)])
        } catch {
            return AdminJSON.error(error, logger: logger)
        }
    }

    private func inspect(_ request: Request, id: String) async -> Response {
        let tenant: TenantID
        do {
            tenant = try tenants.writeTenant(request)
            try AdminJSON.checkBlockID(id)
        } catch {
            return error.response
        }
        do {
            let detail = try await storage.block(tenant: tenant, id: id)
            return AdminJSON.raw(AdminJSON.detail(detail))
        } catch {
            return AdminJSON.error(error, logger: logger)
        }
    }

    private func verify(_ request: Request, id: String) async -> Response {
        if let refusal = StateChangingRequest.refusal(request) { return refusal }
        let tenant: TenantID
        do {
            tenant = try tenants.writeTenant(request)
            try AdminJSON.checkBlockID(id)
        } catch {
            return error.response
        }
        do {
            let report = try await storage.verify(tenant: tenant, id: id)
            logger.info("block verified", metadata: ["tenant": "\(tenant)", "block": "\(id)", "ok": "\(report.ok)",
                                                     "problems": "\(report.problems.count)"])
            return AdminJSON.response(report)
        } catch {
            return AdminJSON.error(error, logger: logger)
        }
    }

    private func markNoCompact(_ request: Request, id: String) async -> Response {
        if let refusal = StateChangingRequest.refusal(request) { return refusal }
        let tenant: TenantID
        let reason: String
        do throws(PlainError) {
            tenant = try tenants.writeTenant(request)
            try AdminJSON.checkBlockID(id)
            let given = request.uri.queryParameters.getAll("reason").map { String($0) }
                + (try await StateChangingRequest.formValues("reason", in: request))
            guard let text = given.last?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                throw PlainError(.badRequest, "a no-compact mark needs reason=<why> (\(ErrorID.invalidAdminRequest.id))")
            }
            guard text.utf8.count <= Self.maxReasonBytes else {
                throw PlainError(.badRequest, "reason is \(text.utf8.count) bytes, at most \(Self.maxReasonBytes) are kept (\(ErrorID.invalidAdminRequest.id))")
            }
            reason = text
        } catch {
            return error.response
        }
        do {
            let mark = try await storage.markNoCompact(tenant: tenant, id: id, details: reason)
            logger.info("block marked no-compact", metadata: ["tenant": "\(tenant)", "block": "\(id)", "details": "\(reason)",
                                                             "user": "\(request.header("x-strata-user") ?? "")"])
            return AdminJSON.response(mark)
        } catch {
            return AdminJSON.error(error, logger: logger)
        }
    }
}

/// JSON answers and error mapping shared by the admin and block-upload handlers.
enum AdminJSON {
    /// `value` as JSON (keys sorted), status 200.
    static func response(_ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return raw(Array(try encoder.encode(value)))
        } catch {
            return PlainError(.internalServerError, "encoding the answer failed: \(error)").response
        }
    }

    /// JSON bytes, status 200.
    static func raw(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The answer for a failed admin operation.
    static func error(_ error: AdminStorageError, logger: Logger) -> Response {
        switch error {
        case .notFound(let m): return PlainError(.notFound, m).response
        case .invalid(let m): return PlainError(.badRequest, m).response
        case .conflict(let m): return PlainError(.conflict, m).response
        case .tooLarge(let m): return PlainError(.contentTooLarge, m).response
        case .unavailable(let m):
            logger.error("admin operation failed", metadata: ["err": "\(m)"])
            return PlainError(.serviceUnavailable, m).response
        }
    }

    /// Refuses a block ID that is not a canonical ULID (26 Crockford base-32 characters, upper
    /// case, first character 0-7), before it reaches a bucket key.
    static func checkBlockID(_ id: String) throws(PlainError) {
        let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
        let bytes = Array(id.utf8)
        guard bytes.count == 26, bytes.allSatisfy(alphabet.contains), bytes[0] <= UInt8(ascii: "7") else {
            throw PlainError(.badRequest, "\"\(id.prefix(64))\" is not a block ID: a block is named by a 26-character upper-case ULID (\(ErrorID.invalidBlockID.id))")
        }
    }

    /// `GET /api/v1/admin/blocks/{id}`: `meta` is the block's `meta.json` as stored.
    static func detail(_ d: AdminBlockDetail) -> [UInt8] {
        var out = "{\"id\":\(jsonQuote(d.id)),\"meta\":"
        var bytes = Array(out.utf8) + d.metaJSON
        out = ",\"files\":["
        out += d.files.map { "{\"path\":\(jsonQuote($0.path)),\"size_bytes\":\($0.size)}" }.joined(separator: ",")
        out += "],\"size_bytes\":\(d.files.reduce(Int64(0)) { $0 + $1.size })"
        out += ",\"uploaded_at\":\(d.uploadedAt)"
        out += ",\"deletion_mark\":" + (d.deletionTime.map { "{\"deletion_time\":\($0)}" } ?? "null")
        out += ",\"no_compact_mark\":"
        if let m = d.noCompact {
            out += "{\"id\":\(jsonQuote(m.id)),\"version\":\(m.version),\"no_compact_time\":\(m.noCompactTime),\"reason\":\(jsonQuote(m.reason)),\"details\":\(jsonQuote(m.details))}"
        } else {
            out += "null"
        }
        out += "}"
        bytes += Array(out.utf8)
        return bytes
    }
}
