import Foundation

/// Size and modification time of one object.
public struct ObjectAttributes: Sendable, Equatable {
    /// Object size in bytes.
    public var size: Int
    /// When the object was last written.
    public var lastModified: Date

    public init(size: Int, lastModified: Date) {
        self.size = size
        self.lastModified = lastModified
    }
}

/// One page of a listing: keys and common prefixes in UTF-8 byte order, like S3's ListObjectsV2.
public struct ListPage: Sendable, Equatable {
    /// Object keys directly under the prefix (all keys under it when there is no delimiter).
    public var keys: [String]
    /// Keys rolled up at the first delimiter after the prefix, each ending with the delimiter.
    public var commonPrefixes: [String]
    /// Pass to the next `listPage` call; nil when this is the last page.
    public var continuationToken: String?

    public init(keys: [String], commonPrefixes: [String], continuationToken: String?) {
        self.keys = keys
        self.commonPrefixes = commonPrefixes
        self.continuationToken = continuationToken
    }
}

/// A complete listing: every key and common prefix, across all pages.
public struct ListResult: Sendable, Equatable {
    /// Object keys, in UTF-8 byte order.
    public var keys: [String]
    /// Common prefixes, in UTF-8 byte order, each ending with the delimiter.
    public var commonPrefixes: [String]

    public init(keys: [String] = [], commonPrefixes: [String] = []) {
        self.keys = keys
        self.commonPrefixes = commonPrefixes
    }
}

/// An object store holding TSDB blocks: a flat namespace of keys such as `tenant/ULID/index`.
///
/// Every backend follows S3's semantics, so code tested on the filesystem backend behaves the
/// same on S3: writes are all-or-nothing, listing is by prefix with an optional delimiter, and
/// deleting a missing object succeeds. Keys are validated identically by every backend.
public protocol Bucket: Sendable {
    /// The bucket name (S3) or root directory (filesystem), for messages.
    var name: String { get }

    /// The whole object. Throws `.notFound` if it does not exist.
    func get(_ key: String) async throws(BucketError) -> [UInt8]

    /// The bytes of `range`, clamped to the object's end. An empty range returns no bytes
    /// without checking the object; a range starting at or past the end throws `.invalidRange`.
    func getRange(_ key: String, _ range: Range<Int>) async throws(BucketError) -> [UInt8]

    /// Writes the object atomically: readers see the old object or the whole new one.
    func put(_ key: String, _ bytes: [UInt8]) async throws(BucketError)

    /// Writes the object from a local file without holding it all in memory (S3 uses a
    /// multipart upload above the configured part size).
    func upload(_ key: String, fromFile path: String) async throws(BucketError)

    /// Writes the object to the local file `path` without holding it in memory; the file is
    /// replaced atomically (temp file + rename), so a failed download leaves no partial file.
    /// Throws `.notFound` if the object does not exist.
    func download(_ key: String, toFile path: String) async throws(BucketError)

    /// One page of at most `maxKeys` entries (keys plus common prefixes) under `prefix`.
    /// With a delimiter, keys containing it after the prefix roll up into common prefixes.
    func listPage(prefix: String, delimiter: String?, continuationToken: String?, maxKeys: Int) async throws(BucketError) -> ListPage

    /// Removes the object; removing a missing object succeeds (as on S3).
    func delete(_ key: String) async throws(BucketError)

    /// Size and modification time. Throws `.notFound` if the object does not exist.
    func attributes(_ key: String) async throws(BucketError) -> ObjectAttributes

    /// Releases connections; call once when done. The filesystem backend has nothing to release.
    func shutdown() async
}

extension Bucket {
    /// Whether the object exists.
    public func exists(_ key: String) async throws(BucketError) -> Bool {
        do {
            _ = try await attributes(key)
            return true
        } catch {
            if case .notFound = error { return false }
            throw error
        }
    }

    /// Every key and common prefix under `prefix`, following continuation tokens to the end.
    public func list(prefix: String = "", delimiter: String? = "/") async throws(BucketError) -> ListResult {
        var result = ListResult()
        try await iter(prefix: prefix, delimiter: delimiter) { (page: ListPage) throws(BucketError) in
            result.keys += page.keys
            result.commonPrefixes += page.commonPrefixes
        }
        return result
    }

    /// Calls `body` with each page under `prefix`, so huge listings never sit in memory whole.
    /// Pages hold up to `pageSize` entries (S3 caps it at 1000).
    /// `recursive: false` in Mimir's terms is `delimiter: "/"`; `recursive: true` is `nil`.
    public func iter(
        prefix: String = "",
        delimiter: String? = "/",
        pageSize: Int = 1000,
        _ body: (ListPage) async throws(BucketError) -> Void
    ) async throws(BucketError) {
        var token: String? = nil
        repeat {
            let page = try await listPage(prefix: prefix, delimiter: delimiter, continuationToken: token, maxKeys: pageSize)
            try await body(page)
            token = page.continuationToken
        } while token != nil
    }
}
