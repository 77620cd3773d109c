import StrataBlocks
import StrataModel
import StrataObjstore

/// A tenant's bucket index, `<tenant>/bucket-index.json.gz`: every complete block of the tenant
/// and every block deletion mark, in Mimir's format, so readers (store-gateways, queriers) learn
/// the blocks with one GET instead of listing the bucket.
///
/// Blocks marked for deletion stay listed (with their mark) until they are deleted; partial
/// blocks (no `meta.json` yet) are never listed.
public struct BucketIndex: Sendable, Equatable {
    /// Format version; Strata writes 1 and reads 1 and 2 (Mimir's 2 only adds optional fields).
    public var version: Int
    /// Complete blocks, sorted by ID.
    public var blocks: [BucketIndex.Block]
    /// Deletion marks of listed blocks, sorted by block ID.
    public var blockDeletionMarks: [BucketIndex.DeletionMark]
    /// When the index was built, Unix seconds.
    public var updatedAt: Int64
    /// Series per metric name per day, folded from the blocks' `meta.json` (Strata's field
    /// `strata_series_history`; empty in indexes written before it or by Mimir).
    public var seriesHistory: SeriesHistory

    /// Creates an index.
    public init(version: Int = BucketIndex.currentVersion, blocks: [BucketIndex.Block] = [],
                blockDeletionMarks: [BucketIndex.DeletionMark] = [], updatedAt: Int64 = 0,
                seriesHistory: SeriesHistory = SeriesHistory()) {
        self.version = version
        self.blocks = blocks
        self.blockDeletionMarks = blockDeletionMarks
        self.updatedAt = updatedAt
        self.seriesHistory = seriesHistory
    }
}

extension BucketIndex {
    /// The version Strata writes (Mimir's `IndexVersion1`).
    public static let currentVersion = 1
    /// Versions accepted on read: Mimir writes 2 since it added `compactor_shard_id`.
    public static let readableVersions: ClosedRange<Int> = 1...2
    /// Object name under the tenant prefix.
    public static let objectName = "bucket-index.json.gz"
    /// Directory of Mimir's global markers under the tenant prefix.
    public static let markersDirectory = "markers"
    /// Suffix of a global deletion marker: `markers/<ULID>-deletion-mark.json`.
    public static let deletionMarkSuffix = "-deletion-mark.json"
    /// A block's own deletion mark: `<ULID>/deletion-mark.json` (Thanos's location).
    public static let blockDeletionMarkName = "deletion-mark.json"
    /// Mimir's `segments_format` for chunk files named `000001`, `000002`, … (1-based, 6 digits).
    public static let segmentsFormat1Based6Digits = "1b6d"
    /// The external label holding the compactor shard (Mimir's split-and-merge compactor).
    public static let compactorShardIDLabel = "__compactor_shard_id__"
    /// Largest inflated index accepted; a bigger object is treated as corrupt rather than
    /// allowed to exhaust memory (100 000 blocks take about 40 MiB).
    public static let maxDecompressedSize = 256 * 1024 * 1024

    /// One complete block.
    public struct Block: Sendable, Equatable {
        /// The block ULID (its directory name).
        public var id: String
        /// First sample timestamp, ms, inclusive.
        public var minTime: Int64
        /// End of the block's range, ms, exclusive (as `meta.json`).
        public var maxTime: Int64
        /// When `meta.json` was written (the upload completed), Unix seconds.
        public var uploadedAt: Int64
        /// The component that wrote the block (`thanos.source`: `strata`, `compactor`, …).
        public var source: String
        /// `thanos.downsample.resolution`, ms; 0 for raw samples.
        public var resolution: Int64
        /// `1b6d` when the chunk files are `000001…` without gaps; empty when unknown.
        public var segmentsFormat: String
        /// Number of chunk files when `segmentsFormat` is known.
        public var segmentsNum: Int
        /// `compaction.level` of the block.
        public var compactionLevel: Int
        /// The `__compactor_shard_id__` external label, if any.
        public var compactorShardID: String
        /// External labels (`thanos.labels`).
        public var labels: [String: String]

        /// Creates a block entry.
        public init(id: String, minTime: Int64, maxTime: Int64, uploadedAt: Int64, source: String = "",
                    resolution: Int64 = 0, segmentsFormat: String = "", segmentsNum: Int = 0,
                    compactionLevel: Int = 0, compactorShardID: String = "", labels: [String: String] = [:]) {
            self.id = id
            self.minTime = minTime
            self.maxTime = maxTime
            self.uploadedAt = uploadedAt
            self.source = source
            self.resolution = resolution
            self.segmentsFormat = segmentsFormat
            self.segmentsNum = segmentsNum
            self.compactionLevel = compactionLevel
            self.compactorShardID = compactorShardID
            self.labels = labels
        }

        /// The entry for a block whose `meta.json` is `meta`, uploaded at `uploadedAt` (seconds),
        /// with `segments` chunk files when they follow the `000001…` naming.
        public init(meta: BlockMeta, uploadedAt: Int64, segments: Int?) {
            let labels = meta.thanos?.labels ?? [:]
            self.init(id: meta.ulid, minTime: meta.minTime, maxTime: meta.maxTime, uploadedAt: uploadedAt,
                      source: meta.thanos?.source ?? "", resolution: meta.thanos?.downsample.resolution ?? 0,
                      segmentsFormat: segments == nil ? "" : BucketIndex.segmentsFormat1Based6Digits,
                      segmentsNum: segments ?? 0, compactionLevel: meta.compaction.level,
                      compactorShardID: labels[BucketIndex.compactorShardIDLabel] ?? "", labels: labels)
        }

        /// Whether the block's `[minTime, maxTime)` overlaps the closed range `[mint, maxt]`.
        public func overlaps(minTime mint: Int64, maxTime maxt: Int64) -> Bool {
            mint <= maxt && minTime <= maxt && maxTime > mint
        }
    }

    /// A block marked for deletion by the compactor (or an operator).
    public struct DeletionMark: Sendable, Equatable {
        /// The marked block's ULID.
        public var id: String
        /// When the block was marked, Unix seconds.
        public var deletionTime: Int64

        /// Creates a mark.
        public init(id: String, deletionTime: Int64) {
            self.id = id
            self.deletionTime = deletionTime
        }
    }

    /// The object key of `tenant`'s index: `<tenant>/bucket-index.json.gz`.
    public static func key(tenant: TenantID) -> String {
        tenant.rawValue + "/" + objectName
    }

    /// The deletion mark of block `id`, if there is one.
    public func deletionMark(of id: String) -> DeletionMark? {
        blockDeletionMarks.first { $0.id == id }
    }

    /// Reads `tenant`'s index; nil when it does not exist. A corrupt object is `.corrupt` naming
    /// the key (readers then rebuild with `update`).
    public static func read(bucket: any Bucket, tenant: TenantID) async throws(BucketIndexError) -> BucketIndex? {
        let key = key(tenant: tenant)
        let compressed: [UInt8]
        do {
            compressed = try await bucket.get(key)
        } catch {
            if case .notFound = error { return nil }
            throw .bucket(error)
        }
        let json: [UInt8]
        do {
            json = try Gzip.decompress(compressed, maxSize: maxDecompressedSize)
        } catch {
            throw .corrupt(key: key, reason: error.description)
        }
        return try BucketIndexJSON.decode(json, key: key)
    }

    /// Writes the index to `<tenant>/bucket-index.json.gz` (one atomic PUT).
    public func write(bucket: any Bucket, tenant: TenantID) async throws(BucketIndexError) {
        let key = Self.key(tenant: tenant)
        let json = try BucketIndexJSON.encode(self, key: key)
        let compressed: [UInt8]
        do {
            compressed = try Gzip.compress(json)
        } catch {
            throw .encoding(key: key, reason: error.description)
        }
        do {
            try await bucket.put(key, compressed)
        } catch {
            throw .bucket(error)
        }
    }
}
