import StrataObjstore

/// The bucket as the store-gateway sees it: every request, failure and byte received is counted
/// for `StoreGatewayStats`, including the bucket-index reads done through `StrataBucketIndex`.
struct InstrumentedBucket: Bucket {
    let inner: any Bucket
    let counters: Counters

    var name: String { inner.name }

    func get(_ key: String) async throws(BucketError) -> [UInt8] {
        try await countBytes { () async throws(BucketError) -> [UInt8] in try await inner.get(key) }
    }

    func getRange(_ key: String, _ range: Range<Int>) async throws(BucketError) -> [UInt8] {
        try await countBytes { () async throws(BucketError) -> [UInt8] in try await inner.getRange(key, range) }
    }

    func put(_ key: String, _ bytes: [UInt8]) async throws(BucketError) {
        try await count { () async throws(BucketError) in try await inner.put(key, bytes) }
    }

    func upload(_ key: String, fromFile path: String) async throws(BucketError) {
        try await count { () async throws(BucketError) in try await inner.upload(key, fromFile: path) }
    }

    func download(_ key: String, toFile path: String) async throws(BucketError) {
        try await count { () async throws(BucketError) in try await inner.download(key, toFile: path) }
    }

    func listPage(prefix: String, delimiter: String?, continuationToken: String?, maxKeys: Int) async throws(BucketError) -> ListPage {
        try await count { () async throws(BucketError) -> ListPage in
            try await inner.listPage(prefix: prefix, delimiter: delimiter, continuationToken: continuationToken, maxKeys: maxKeys)
        }
    }

    func delete(_ key: String) async throws(BucketError) {
        try await count { () async throws(BucketError) in try await inner.delete(key) }
    }

    func attributes(_ key: String) async throws(BucketError) -> ObjectAttributes {
        try await count { () async throws(BucketError) -> ObjectAttributes in try await inner.attributes(key) }
    }

    func shutdown() async {
        await inner.shutdown()
    }

    private func count<T>(_ body: () async throws(BucketError) -> T) async throws(BucketError) -> T {
        do {
            let result = try await body()
            counters.update { $0.bucketRequests += 1 }
            return result
        } catch {
            counters.update {
                $0.bucketRequests += 1
                $0.bucketRequestFailures += 1
            }
            throw error
        }
    }

    private func countBytes(_ body: () async throws(BucketError) -> [UInt8]) async throws(BucketError) -> [UInt8] {
        let bytes = try await count(body)
        counters.update { $0.bucketBytesRead += bytes.count }
        return bytes
    }
}
