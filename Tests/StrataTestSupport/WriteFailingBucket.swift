import StrataObjstore

/// Wraps a bucket and fails the writes (`put`, `upload`) of the keys `fails` picks, with a
/// transport error, as an object store that breaks under one tenant or a process killed before
/// its last upload. Everything else goes to the wrapped bucket.
public struct WriteFailingBucket: Bucket {
    /// The bucket that serves every other call.
    public let inner: any Bucket
    /// Whether a write of this key fails.
    public let fails: @Sendable (String) -> Bool

    /// Fails the writes of keys for which `fails` is true.
    public init(_ inner: any Bucket, failing fails: @escaping @Sendable (String) -> Bool) {
        self.inner = inner
        self.fails = fails
    }

    public var name: String { inner.name }

    private func check(_ key: String) throws(BucketError) {
        if fails(key) {
            throw .transport(operation: "put", bucket: name, key: key, attempts: 1, reason: "injected failure")
        }
    }

    public func get(_ key: String) async throws(BucketError) -> [UInt8] { try await inner.get(key) }
    public func getRange(_ key: String, _ range: Range<Int>) async throws(BucketError) -> [UInt8] { try await inner.getRange(key, range) }
    public func put(_ key: String, _ bytes: [UInt8]) async throws(BucketError) {
        try check(key)
        try await inner.put(key, bytes)
    }
    public func upload(_ key: String, fromFile path: String) async throws(BucketError) {
        try check(key)
        try await inner.upload(key, fromFile: path)
    }
    public func download(_ key: String, toFile path: String) async throws(BucketError) { try await inner.download(key, toFile: path) }
    public func listPage(prefix: String, delimiter: String?, continuationToken: String?, maxKeys: Int) async throws(BucketError) -> ListPage {
        try await inner.listPage(prefix: prefix, delimiter: delimiter, continuationToken: continuationToken, maxKeys: maxKeys)
    }
    public func delete(_ key: String) async throws(BucketError) { try await inner.delete(key) }
    public func attributes(_ key: String) async throws(BucketError) -> ObjectAttributes { try await inner.attributes(key) }
    public func shutdown() async { await inner.shutdown() }
}
