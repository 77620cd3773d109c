import Foundation
import StrataModel
import StrataObjstore

/// Mimir's tenant deletion mark, `<tenant>/markers/tenant-deletion-mark.json`:
/// `{"deletion_time": <unix s>, "finished_time": <unix s, once every block is gone>}`. While it
/// exists, queriers answer nothing for the tenant and the compactor deletes its blocks.
public enum TenantDeletionMark {
    /// The mark's key under the tenant.
    public static let path = "markers/tenant-deletion-mark.json"

    /// The mark's fields.
    public struct Mark: Codable, Sendable, Equatable {
        /// When deletion was requested, Unix seconds.
        public var deletion_time: Int64
        /// When the compactor found no block left, Unix seconds.
        public var finished_time: Int64?
        /// Who asked (`X-Strata-User`), Strata's addition.
        public var user: String?
    }

    /// The mark's full key.
    public static func key(_ tenant: TenantID) -> String { "\(tenant.rawValue)/\(path)" }

    /// Writes the mark (again: a repeated request keeps the first deletion time).
    public static func write(bucket: any Bucket, tenant: TenantID, now: Int64, user: String) async throws(DeletesError) {
        if let existing = try await read(bucket: bucket, tenant: tenant), existing.finished_time == nil { return }
        try await put(bucket: bucket, tenant: tenant, Mark(deletion_time: now / 1000, finished_time: nil, user: user.isEmpty ? nil : user))
    }

    /// Records that every block is gone.
    public static func finish(bucket: any Bucket, tenant: TenantID, mark: Mark, now: Int64) async throws(DeletesError) {
        var m = mark
        m.finished_time = now / 1000
        try await put(bucket: bucket, tenant: tenant, m)
    }

    /// The tenant's mark, nil when it has none.
    public static func read(bucket: any Bucket, tenant: TenantID) async throws(DeletesError) -> Mark? {
        let key = key(tenant)
        let bytes: [UInt8]
        do {
            bytes = try await bucket.get(key)
        } catch {
            if case .notFound = error { return nil }
            throw .bucket(operation: "get", key: key, reason: "\(error)")
        }
        do {
            return try JSONDecoder().decode(Mark.self, from: Data(bytes))
        } catch {
            throw .corruptObject(key: key, reason: "\(error)")
        }
    }

    static func put(bucket: any Bucket, tenant: TenantID, _ mark: Mark) async throws(DeletesError) {
        let key = key(tenant)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            try await bucket.put(key, Array((try? encoder.encode(mark)) ?? Data()))
        } catch {
            throw .bucket(operation: "put", key: key, reason: "\(error)")
        }
    }
}

extension TenantDeletionMark {
    /// Whether any block directory (`<tenant>/<ULID>/`) is left for the tenant.
    public static func blocksRemain(bucket: any Bucket, tenant: TenantID) async throws(DeletesError) -> Bool {
        let prefix = tenant.rawValue + "/"
        do {
            let listing = try await bucket.list(prefix: prefix, delimiter: "/")
            return listing.commonPrefixes.contains { p in
                let name = p.dropFirst(prefix.count).split(separator: "/").first.map(String.init) ?? ""
                return isULIDShaped(name)
            }
        } catch {
            throw .bucket(operation: "list", key: prefix, reason: "\(error)")
        }
    }

    /// 26 characters of Crockford's base32 alphabet, as block IDs are.
    static func isULIDShaped(_ s: String) -> Bool {
        s.utf8.count == 26 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }
    }
}
