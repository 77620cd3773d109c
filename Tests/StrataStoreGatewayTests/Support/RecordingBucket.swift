import StrataObjstore
import Synchronization

/// Wraps a bucket and records every call, so tests can check what a component asked for.
final class RecordingBucket: Bucket {
    enum Call: Equatable {
        case get(String)
        case getRange(String, Range<Int>)
        case download(String)
        case attributes(String)
        case list(String)
        case put(String)
        case other(String)
    }

    let inner: any Bucket
    let calls = Mutex<[Call]>([])

    init(_ inner: any Bucket) { self.inner = inner }

    var name: String { inner.name }

    var recorded: [Call] { calls.withLock { $0 } }

    func reset() { calls.withLock { $0.removeAll() } }

    /// Bytes asked for by ranged GETs of `key` (whole GETs count the object size).
    func bytesRequested(key: String) async throws -> Int {
        var total = 0
        for call in recorded {
            switch call {
            case .getRange(let k, let r) where k == key: total += r.count
            case .get(let k) where k == key: total += try await inner.attributes(k).size
            default: continue
            }
        }
        return total
    }

    private func record(_ call: Call) { calls.withLock { $0.append(call) } }

    func get(_ key: String) async throws(BucketError) -> [UInt8] {
        record(.get(key))
        return try await inner.get(key)
    }

    func getRange(_ key: String, _ range: Range<Int>) async throws(BucketError) -> [UInt8] {
        record(.getRange(key, range))
        return try await inner.getRange(key, range)
    }

    func put(_ key: String, _ bytes: [UInt8]) async throws(BucketError) {
        record(.put(key))
        try await inner.put(key, bytes)
    }

    func upload(_ key: String, fromFile path: String) async throws(BucketError) {
        record(.put(key))
        try await inner.upload(key, fromFile: path)
    }

    func download(_ key: String, toFile path: String) async throws(BucketError) {
        record(.download(key))
        try await inner.download(key, toFile: path)
    }

    func listPage(prefix: String, delimiter: String?, continuationToken: String?, maxKeys: Int) async throws(BucketError) -> ListPage {
        record(.list(prefix))
        return try await inner.listPage(prefix: prefix, delimiter: delimiter, continuationToken: continuationToken, maxKeys: maxKeys)
    }

    func delete(_ key: String) async throws(BucketError) {
        record(.other("delete " + key))
        try await inner.delete(key)
    }

    func attributes(_ key: String) async throws(BucketError) -> ObjectAttributes {
        record(.attributes(key))
        return try await inner.attributes(key)
    }

    func shutdown() async { await inner.shutdown() }
}
