import NIOCore
import StrataModel

/// The bucket work behind the admin endpoints (`/api/v1/admin/…`) and the block-upload API
/// (`/api/v1/upload/block/…`), implemented by the server over the object store.
///
/// A protocol of value types keeps storage out of the HTTP layer: the handlers parse, check and
/// answer; the implementation reads and writes the bucket.
public protocol AdminStorage: Sendable {
    /// Tenants with blocks in the bucket or series in this process's ingester, sorted by ID.
    func tenants() async throws(AdminStorageError) -> [AdminTenant]
    /// The tenant's blocks from its bucket index (deletion-marked ones included), sorted by ID.
    func blocks(tenant: TenantID) async throws(AdminStorageError) -> [AdminBlock]
    /// One block's `meta.json`, files and marks; `.notFound` for an unknown block.
    func block(tenant: TenantID, id: String) async throws(AdminStorageError) -> AdminBlockDetail
    /// Reads the whole block and reports its problems; `.notFound` for an unknown block.
    func verify(tenant: TenantID, id: String) async throws(AdminStorageError) -> AdminBlockVerification
    /// Writes the block's no-compact mark (reason `manual`, `details` as given) and returns it.
    func markNoCompact(tenant: TenantID, id: String, details: String) async throws(AdminStorageError) -> AdminNoCompactMark

    /// `start`: checks `meta` (the block's `meta.json`) and records the upload.
    func startUpload(tenant: TenantID, id: String, meta: [UInt8]) async throws(AdminStorageError)
    /// `files`: stores one file of a started upload from `body` (at most `maxBytes`).
    func uploadFile<Body: AsyncSequence & Sendable>(tenant: TenantID, id: String, path: String, body: Body)
        async throws(AdminStorageError) where Body.Element == ByteBuffer
    /// `finish`: starts the server-side validation; the block becomes visible when it passes.
    func finishUpload(tenant: TenantID, id: String) async throws(AdminStorageError)
    /// `check`: where the upload is.
    func uploadState(tenant: TenantID, id: String) async throws(AdminStorageError) -> AdminUploadState
}

/// Why an admin operation failed; each case is one HTTP status.
public enum AdminStorageError: Error, Sendable, CustomStringConvertible {
    /// 404: no such block or upload.
    case notFound(String)
    /// 400: the request or the uploaded data is not acceptable.
    case invalid(String)
    /// 409: the operation conflicts with the block's state (exists already, being validated).
    case conflict(String)
    /// 413: a file is larger than allowed.
    case tooLarge(String)
    /// 500/503: the bucket failed.
    case unavailable(String)

    /// The message, with its error ID.
    public var description: String {
        switch self {
        case .notFound(let m), .invalid(let m), .conflict(let m), .tooLarge(let m), .unavailable(let m): return m
        }
    }
}

/// One row of `GET /api/v1/admin/tenants`.
public struct AdminTenant: Sendable, Equatable, Encodable {
    /// The tenant ID.
    public var id: String
    /// Blocks in the bucket (deletion-marked ones included).
    public var blocks: Int
    /// Bytes of those blocks (index and chunk segments).
    public var bytes: Int64
    /// Earliest block start, ms; nil without blocks.
    public var minTime: Int64?
    /// Latest block end, ms; nil without blocks.
    public var maxTime: Int64?
    /// Series in this process's ingester head; nil when no ingester runs here.
    public var headSeries: Int?

    /// Creates a row.
    public init(id: String, blocks: Int, bytes: Int64, minTime: Int64?, maxTime: Int64?, headSeries: Int?) {
        self.id = id
        self.blocks = blocks
        self.bytes = bytes
        self.minTime = minTime
        self.maxTime = maxTime
        self.headSeries = headSeries
    }

    enum CodingKeys: String, CodingKey {
        case id, blocks, bytes
        case minTime = "min_time"
        case maxTime = "max_time"
        case headSeries = "head_series"
    }
}

/// One row of `GET /api/v1/admin/blocks`.
public struct AdminBlock: Sendable, Equatable, Encodable {
    public var id: String
    /// ms, inclusive.
    public var minTime: Int64
    /// ms, exclusive.
    public var maxTime: Int64
    /// Downsampling resolution in ms; 0 for raw samples.
    public var resolution: Int64
    public var compactionLevel: Int
    /// What wrote the block (`thanos.source`).
    public var source: String
    /// When `meta.json` was written, Unix seconds.
    public var uploadedAt: Int64
    public var numSeries: UInt64
    public var numSamples: UInt64
    /// Bytes of the index and chunk segments.
    public var sizeBytes: Int64
    public var deletionMarked: Bool
    public var noCompact: Bool

    /// Creates a row.
    public init(id: String, minTime: Int64, maxTime: Int64, resolution: Int64, compactionLevel: Int, source: String,
                uploadedAt: Int64, numSeries: UInt64, numSamples: UInt64, sizeBytes: Int64, deletionMarked: Bool, noCompact: Bool) {
        self.id = id
        self.minTime = minTime
        self.maxTime = maxTime
        self.resolution = resolution
        self.compactionLevel = compactionLevel
        self.source = source
        self.uploadedAt = uploadedAt
        self.numSeries = numSeries
        self.numSamples = numSamples
        self.sizeBytes = sizeBytes
        self.deletionMarked = deletionMarked
        self.noCompact = noCompact
    }

    enum CodingKeys: String, CodingKey {
        case id, resolution, source
        case minTime = "min_time"
        case maxTime = "max_time"
        case compactionLevel = "compaction_level"
        case uploadedAt = "uploaded_at"
        case numSeries = "num_series"
        case numSamples = "num_samples"
        case sizeBytes = "size_bytes"
        case deletionMarked = "deletion_marked"
        case noCompact = "no_compact"
    }
}

/// `GET /api/v1/admin/blocks/<id>`.
public struct AdminBlockDetail: Sendable, Equatable {
    public var id: String
    /// The block's `meta.json` as stored (checked to parse).
    public var metaJSON: [UInt8]
    /// Every object under the block's directory but `meta.json` and the marks, with its size.
    public var files: [(path: String, size: Int64)]
    /// When `meta.json` was written, Unix seconds.
    public var uploadedAt: Int64
    /// When the block was marked for deletion, Unix seconds; nil when it is not.
    public var deletionTime: Int64?
    /// The no-compact mark, if any.
    public var noCompact: AdminNoCompactMark?

    /// Creates a detail.
    public init(id: String, metaJSON: [UInt8], files: [(path: String, size: Int64)], uploadedAt: Int64,
                deletionTime: Int64?, noCompact: AdminNoCompactMark?) {
        self.id = id
        self.metaJSON = metaJSON
        self.files = files
        self.uploadedAt = uploadedAt
        self.deletionTime = deletionTime
        self.noCompact = noCompact
    }

    public static func == (lhs: AdminBlockDetail, rhs: AdminBlockDetail) -> Bool {
        lhs.id == rhs.id && lhs.metaJSON == rhs.metaJSON && lhs.files.map(\.path) == rhs.files.map(\.path)
            && lhs.files.map(\.size) == rhs.files.map(\.size) && lhs.uploadedAt == rhs.uploadedAt
            && lhs.deletionTime == rhs.deletionTime && lhs.noCompact == rhs.noCompact
    }
}

/// A no-compact mark, as Thanos and Mimir write it.
public struct AdminNoCompactMark: Sendable, Equatable, Encodable {
    public var id: String
    public var version: Int
    /// Unix seconds.
    public var noCompactTime: Int64
    public var reason: String
    public var details: String

    /// Creates a mark.
    public init(id: String, version: Int, noCompactTime: Int64, reason: String, details: String) {
        self.id = id
        self.version = version
        self.noCompactTime = noCompactTime
        self.reason = reason
        self.details = details
    }

    enum CodingKeys: String, CodingKey {
        case id, version, reason, details
        case noCompactTime = "no_compact_time"
    }
}

/// `POST /api/v1/admin/blocks/<id>/verify`.
public struct AdminBlockVerification: Sendable, Equatable, Encodable {
    public var ok: Bool
    public var problems: [String]
    public var warnings: [String]
    public var series: Int
    public var chunks: Int
    public var samples: Int

    /// Creates a report.
    public init(ok: Bool, problems: [String], warnings: [String], series: Int, chunks: Int, samples: Int) {
        self.ok = ok
        self.problems = problems
        self.warnings = warnings
        self.series = series
        self.chunks = chunks
        self.samples = samples
    }
}

/// `GET /api/v1/upload/block/<id>/check` (Mimir's answer).
public struct AdminUploadState: Sendable, Equatable, Encodable {
    /// Where an upload is.
    public enum Result: String, Sendable, Encodable {
        /// Started; files may be sent; `finish` not called yet.
        case uploading
        /// `finish` was called and the server is validating the block.
        case validating
        /// Validation failed; `error` says why. The upload can be started again.
        case failed
        /// The block is in the bucket with its `meta.json`: readers list it.
        case complete
    }

    public var result: Result
    /// Why validation failed; nil otherwise.
    public var error: String?

    /// Creates a state.
    public init(result: Result, error: String? = nil) {
        self.result = result
        self.error = error
    }
}
