import StrataTestSupport
import Foundation
import StrataObjstore
import Testing

@Suite("Bucket conformance")
struct BucketConformanceTests {
    @Test("FilesystemBucket passes the shared behaviour suite")
    func filesystem() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bucket = try FilesystemBucket(root: root)
        try await BucketConformance.run(bucket, largeFileSize: 3 * 1024 * 1024 + 17)
    }

    @Test("S3Bucket against moto_server passes the shared behaviour suite, multipart included")
    func s3() async throws {
        // Two parts in flight for three parts, so the part scheduler refills (the retry test
        // covers the default, where all three go at once).
        try await withMotoBucket(configure: { $0.uploadConcurrency = 2 }) { bucket, _ in
            // 5 MiB parts (S3's minimum): 11 MiB + 123 bytes is two full parts and a short last one.
            try await BucketConformance.run(bucket, largeFileSize: 11 * 1024 * 1024 + 123)
        }
    }

    @Test("S3 listing follows continuation tokens past 1000 keys")
    func s3BigListing() async throws {
        try await withMotoBucket { bucket, _ in
            let keys = (0..<1100).map { "big/" + String(format: "%05d", $0) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 0, to: keys.count, by: 100) {
                    let slice = keys[chunk..<min(chunk + 100, keys.count)]
                    group.addTask { for key in slice { try await bucket.put(key, [1]) } }
                }
                try await group.waitForAll()
            }
            let all = try await bucket.list(prefix: "big/", delimiter: "/")
            #expect(all.keys == keys)
        }
    }
}
