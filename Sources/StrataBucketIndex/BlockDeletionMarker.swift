import Foundation
import StrataModel
import StrataObjstore

/// Block deletion marks as Thanos and Mimir write them: `{"id", "version", "deletion_time",
/// "details"}` at `<tenant>/<ULID>/deletion-mark.json` and, Mimir's global copy, at
/// `<tenant>/markers/<ULID>-deletion-mark.json`, so either ecosystem's tools see the mark.
public enum BlockDeletionMarker {
    /// The `version` field of a deletion mark.
    public static let version = 1
    /// Largest mark object read; a mark is a few dozen bytes.
    static let maxMarkSize = 64 * 1024

    struct Mark: Codable {
        var id: String
        var version: Int
        var deletion_time: Int64
        var details: String?
    }

    /// The global marker key: `<tenant>/markers/<ULID>-deletion-mark.json`.
    public static func globalKey(tenant: TenantID, block: String) -> String {
        "\(tenant.rawValue)/\(BucketIndex.markersDirectory)/\(block)\(BucketIndex.deletionMarkSuffix)"
    }

    /// The block-local marker key: `<tenant>/<ULID>/deletion-mark.json`.
    public static func blockKey(tenant: TenantID, block: String) -> String {
        "\(tenant.rawValue)/\(block)/\(BucketIndex.blockDeletionMarkName)"
    }

    /// Marks `block` of `tenant` for deletion at `deletionTime` (Unix seconds): the block-local
    /// mark first, then the global one, as Mimir does.
    public static func mark(bucket: any Bucket, tenant: TenantID, block: String, deletionTime: Int64,
                            details: String = "") async throws(BucketIndexError) {
        let mark = Mark(id: block, version: version, deletion_time: deletionTime, details: details.isEmpty ? nil : details)
        let bytes: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            bytes = Array(try encoder.encode(mark))
        } catch {
            throw .encoding(key: blockKey(tenant: tenant, block: block), reason: "\(error)")
        }
        do {
            try await bucket.put(blockKey(tenant: tenant, block: block), bytes)
            try await bucket.put(globalKey(tenant: tenant, block: block), bytes)
        } catch {
            throw .bucket(error)
        }
    }

    /// Parses a mark object; `key` names it in errors.
    static func decode(_ bytes: [UInt8], key: String) throws(BucketIndexError) -> Int64 {
        guard bytes.count <= maxMarkSize else { throw .corrupt(key: key, reason: "deletion mark of \(bytes.count) bytes is too large") }
        do {
            let mark = try JSONDecoder().decode(Mark.self, from: Data(bytes))
            return mark.deletion_time
        } catch {
            throw .corrupt(key: key, reason: "not a deletion mark: \(error)")
        }
    }

    /// The deletion time in the mark at `key`; nil when there is no such object.
    static func read(bucket: any Bucket, key: String) async throws(BucketIndexError) -> Int64? {
        let bytes: [UInt8]
        do {
            bytes = try await bucket.get(key)
        } catch {
            if case .notFound = error { return nil }
            throw .bucket(error)
        }
        return try decode(bytes, key: key)
    }
}
