import Foundation
@testable import StrataObjstore
import Testing

@Suite("FilesystemBucket")
struct FilesystemBucketTests {
    func withBucket(_ body: (FilesystemBucket, String) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await body(try FilesystemBucket(root: root), root)
    }

    @Test("traversal keys never touch files outside the root")
    func traversal() async throws {
        try await withBucket { b, root in
            let outside = (root as NSString).deletingLastPathComponent + "/strata-outside-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: outside) }
            let name = (outside as NSString).lastPathComponent
            await #expect(throws: BucketError.self) { try await b.put("../\(name)", [1]) }
            await #expect(throws: BucketError.self) { try await b.put("x/../../\(name)", [1]) }
            await #expect(throws: BucketError.self) { try await b.put(outside, [1]) }
            #expect(!FileManager.default.fileExists(atPath: outside))
        }
    }

    @Test("writes leave no temp files and temp files are not listed")
    func atomicWrites() async throws {
        try await withBucket { b, root in
            try await b.put("t/obj", [1, 2])
            try await b.put("t/obj", [3])
            let names = try FileManager.default.contentsOfDirectory(atPath: root + "/t")
            #expect(names == ["obj"])
            // A crash mid-write leaves a temp file; it must stay invisible.
            _ = FileManager.default.createFile(atPath: root + "/t/.obj\(ObjectKey.tempMarker)dead", contents: Data([9]))
            #expect(try await b.list(prefix: "t/", delimiter: "/").keys == ["t/obj"])
            await #expect(throws: BucketError.self) { try await b.put("t/x\(ObjectKey.tempMarker)y", [1]) }
        }
    }

    @Test("a key that is a prefix of other keys cannot also be an object")
    func fileDirectoryClash() async throws {
        try await withBucket { b, _ in
            try await b.put("a/b", [1])
            await #expect(throws: BucketError.self) { try await b.put("a", [1]) }
            #expect(try await b.get("a/b") == [1])
        }
    }

    @Test("BucketConfig opens the filesystem backend by default")
    func factory() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-fs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = BucketConfig()
        config.filesystem.dir = root
        let bucket = try config.makeBucket()
        #expect(bucket is FilesystemBucket)
        try await bucket.put("k", [1])
        #expect(try await bucket.get("k") == [1])
        await bucket.shutdown()
    }
}
