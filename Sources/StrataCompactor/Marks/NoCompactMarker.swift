import Foundation
import StrataBucketIndex
import StrataModel
import StrataObjstore

/// No-compact marks as Thanos and Mimir write them: `{"id", "version", "no_compact_time",
/// "reason", "details"}` at `<tenant>/<ULID>/no-compact-mark.json` and, Mimir's global copy, at
/// `<tenant>/markers/<ULID>-no-compact-mark.json`. A marked block is served to queries as usual
/// but never compacted or downsampled until an operator removes the mark.
public enum NoCompactMarker {
    /// The `version` field of a mark.
    public static let version = 1
    /// The block-local file name.
    public static let blockFileName = "no-compact-mark.json"
    /// Suffix of the global marker under `markers/`.
    public static let globalSuffix = "-no-compact-mark.json"
    /// Thanos's reason for a block the compactor could not read or merge.
    public static let criticalReason = "block-index-out-of-order-chunk"
    /// Reason Strata writes for any other block it failed to compact (Thanos's `manual` is for operators).
    public static let compactionFailedReason = "compaction-failed"

    /// A mark's contents.
    public struct Mark: Codable, Sendable, Equatable {
        /// The marked block.
        public var id: String
        /// Always 1.
        public var version: Int
        /// When it was marked, Unix seconds.
        public var no_compact_time: Int64
        /// A short machine-readable reason.
        public var reason: String
        /// What failed, for the operator.
        public var details: String?
    }

    /// `<tenant>/markers/<ULID>-no-compact-mark.json`.
    public static func globalKey(tenant: TenantID, block: String) -> String {
        "\(tenant.rawValue)/\(BucketIndex.markersDirectory)/\(block)\(globalSuffix)"
    }

    /// `<tenant>/<ULID>/no-compact-mark.json`.
    public static func blockKey(tenant: TenantID, block: String) -> String {
        "\(tenant.rawValue)/\(block)/\(blockFileName)"
    }

    /// Writes both copies of the mark, the block-local one first (as Mimir).
    public static func mark(bucket: any Bucket, tenant: TenantID, block: String, time: Int64,
                            reason: String, details: String) async throws(BucketError) {
        let mark = Mark(id: block, version: version, no_compact_time: time, reason: reason, details: details)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(mark)).map { Array($0) } ?? Array("{\"id\":\"\(block)\",\"version\":1}".utf8)
        try await bucket.put(blockKey(tenant: tenant, block: block), bytes)
        try await bucket.put(globalKey(tenant: tenant, block: block), bytes)
    }

    /// The IDs of `tenant`'s blocks with a no-compact mark in either place.
    public static func markedBlocks(bucket: any Bucket, tenant: TenantID) async throws(BucketError) -> Set<String> {
        var marked = Set<String>()
        let markers = "\(tenant.rawValue)/\(BucketIndex.markersDirectory)/"
        try await bucket.iter(prefix: markers, delimiter: nil) { (page: ListPage) throws(BucketError) in
            for key in page.keys where key.hasSuffix(globalSuffix) {
                marked.insert(String(key.dropFirst(markers.count).dropLast(globalSuffix.count)))
            }
        }
        return marked
    }

    /// The mark of `block`, if any (the global copy first).
    public static func read(bucket: any Bucket, tenant: TenantID, block: String) async throws(BucketError) -> Mark? {
        for key in [globalKey(tenant: tenant, block: block), blockKey(tenant: tenant, block: block)] {
            do {
                let bytes = try await bucket.get(key)
                if let mark = try? JSONDecoder().decode(Mark.self, from: Data(bytes)) { return mark }
            } catch {
                if case .notFound = error { continue }
                throw error
            }
        }
        return nil
    }
}
