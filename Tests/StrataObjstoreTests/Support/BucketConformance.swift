import Foundation
import StrataObjstore
import Testing

/// The behaviour every `Bucket` must share; run against each backend so code tested on the
/// filesystem behaves the same on S3.
enum BucketConformance {
    /// Runs every check on an empty `bucket`. `largeFileSize` should exceed the backend's
    /// multipart part size so uploads go through the multipart path.
    static func run(_ bucket: any Bucket, largeFileSize: Int) async throws {
        try await putGet(bucket)
        try await notFound(bucket)
        try await ranges(bucket)
        try await listing(bucket)
        try await pagination(bucket)
        try await deletion(bucket)
        try await invalidKeys(bucket)
        try await uploads(bucket, largeFileSize: largeFileSize)
    }

    static func putGet(_ b: any Bucket) async throws {
        let bytes = pattern(count: 1000, seed: 1)
        try await b.put("pg/object", bytes)
        #expect(try await b.get("pg/object") == bytes)
        try await b.put("pg/object", [1, 2, 3])
        #expect(try await b.get("pg/object") == [1, 2, 3], "overwrite replaces the whole object")
        try await b.put("pg/empty", [])
        #expect(try await b.get("pg/empty") == [])
        let special = "pg/with space+plus=eq&amp/ünïcødé~.json"
        try await b.put(special, [9])
        #expect(try await b.get(special) == [9])
        #expect(try await b.list(prefix: "pg/with space+plus=eq&amp/", delimiter: "/").keys == [special])
        let attrs = try await b.attributes("pg/object")
        #expect(attrs.size == 3)
        #expect(abs(attrs.lastModified.timeIntervalSinceNow) < 300)
        #expect(try await b.exists("pg/object"))
    }

    static func notFound(_ b: any Bucket) async throws {
        await #expect(throws: BucketError.notFound(bucket: b.name, key: "nf/missing")) { try await b.get("nf/missing") }
        await #expect(throws: BucketError.notFound(bucket: b.name, key: "nf/missing")) { try await b.attributes("nf/missing") }
        await #expect(throws: BucketError.notFound(bucket: b.name, key: "nf/missing")) { try await b.getRange("nf/missing", 0..<10) }
        #expect(try await b.exists("nf/missing") == false)
        // A prefix of existing keys is not an object.
        try await b.put("nf/dir/child", [1])
        #expect(try await b.exists("nf/dir") == false)
        await #expect(throws: BucketError.notFound(bucket: b.name, key: "nf/dir")) { try await b.get("nf/dir") }
    }

    static func ranges(_ b: any Bucket) async throws {
        let bytes = pattern(count: 4096, seed: 2)
        try await b.put("rg/data", bytes)
        #expect(try await b.getRange("rg/data", 0..<10) == Array(bytes[0..<10]))
        #expect(try await b.getRange("rg/data", 1000..<3000) == Array(bytes[1000..<3000]))
        #expect(try await b.getRange("rg/data", 4000..<9000) == Array(bytes[4000...]), "clamped at the end")
        #expect(try await b.getRange("rg/data", 4095..<4096) == [bytes[4095]])
        #expect(try await b.getRange("rg/data", 10..<10) == [])
        let error = await #expect(throws: BucketError.self) { try await b.getRange("rg/data", 4096..<5000) }
        guard case .invalidRange(_, "rg/data", _, _)? = error else {
            Issue.record("expected invalidRange, got \(String(describing: error))")
            return
        }
    }

    static let tree = [
        "ls/t1/01A/meta.json", "ls/t1/01A/index", "ls/t1/01A/chunks/000001", "ls/t1/01A/chunks/000002",
        "ls/t1/01B/meta.json", "ls/t1/bucket-index.json.gz", "ls/t2/x", "ls/t10/y", "ls/t1.txt",
    ]

    static func listing(_ b: any Bucket) async throws {
        for key in tree { try await b.put(key, Array(key.utf8)) }
        var r = try await b.list(prefix: "ls/", delimiter: "/")
        #expect(r.keys == ["ls/t1.txt"])
        #expect(r.commonPrefixes == ["ls/t1/", "ls/t10/", "ls/t2/"])
        r = try await b.list(prefix: "ls/t1/", delimiter: "/")
        #expect(r.keys == ["ls/t1/bucket-index.json.gz"])
        #expect(r.commonPrefixes == ["ls/t1/01A/", "ls/t1/01B/"])
        r = try await b.list(prefix: "ls/t1/01A/", delimiter: nil)
        #expect(r.keys == ["ls/t1/01A/chunks/000001", "ls/t1/01A/chunks/000002", "ls/t1/01A/index", "ls/t1/01A/meta.json"])
        #expect(r.commonPrefixes == [])
        r = try await b.list(prefix: "ls/t1/0", delimiter: "/")
        #expect(r.commonPrefixes == ["ls/t1/01A/", "ls/t1/01B/"])
        #expect(r.keys == [])
        r = try await b.list(prefix: "ls/t1", delimiter: "/")
        #expect(r.keys == ["ls/t1.txt"])
        #expect(r.commonPrefixes == ["ls/t1/", "ls/t10/"])
        r = try await b.list(prefix: "ls/", delimiter: nil)
        #expect(r.keys == tree.sorted())
        r = try await b.list(prefix: "ls/t1/01A/meta.json", delimiter: "/")
        #expect(r.keys == ["ls/t1/01A/meta.json"])
        r = try await b.list(prefix: "ls/nothing/", delimiter: "/")
        #expect(r == ListResult())
    }

    static func pagination(_ b: any Bucket) async throws {
        let keys = (0..<25).map { "pg8/k\(String(format: "%03d", $0))" } + (0..<5).map { "pg8/d\($0)/x" }
        for key in keys { try await b.put(key, [1]) }
        var pages: [ListPage] = []
        try await b.iter(prefix: "pg8/", delimiter: "/", pageSize: 7) { pages.append($0) }
        #expect(pages.count == 5, "30 entries in pages of 7")
        #expect(pages.dropLast().allSatisfy { $0.keys.count + $0.commonPrefixes.count == 7 })
        #expect(pages.flatMap(\.keys) == keys.prefix(25).sorted())
        #expect(pages.flatMap(\.commonPrefixes) == (0..<5).map { "pg8/d\($0)/" })
        var flat: [String] = []
        try await b.iter(prefix: "pg8/", delimiter: nil, pageSize: 4) { flat += $0.keys }
        #expect(flat == keys.sorted())
    }

    static func deletion(_ b: any Bucket) async throws {
        try await b.put("del/a/b/c", [1])
        try await b.put("del/keep", [2])
        try await b.delete("del/a/b/c")
        #expect(try await b.exists("del/a/b/c") == false)
        let r = try await b.list(prefix: "del/", delimiter: "/")
        #expect(r.keys == ["del/keep"])
        #expect(r.commonPrefixes == [], "no empty \"directory\" left behind")
        try await b.delete("del/never-existed")
        try await b.delete("del/keep")
        #expect(try await b.list(prefix: "del/", delimiter: nil) == ListResult())
    }

    static func invalidKeys(_ b: any Bucket) async throws {
        for key in ["", "/etc/passwd", "../escape", "a/../../escape", "a/./b", "a//b", "trailing/", ".."] {
            await #expect(throws: BucketError.self, "key \(key)") { try await b.put(key, [1]) }
            await #expect(throws: BucketError.self, "key \(key)") { try await b.get(key) }
        }
        await #expect(throws: BucketError.self) { try await b.list(prefix: "../", delimiter: "/") }
        await #expect(throws: BucketError.self) { try await b.list(prefix: "/abs", delimiter: "/") }
    }

    static func uploads(_ b: any Bucket, largeFileSize: Int) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-objstore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let small = dir.appendingPathComponent("small")
        let smallBytes = pattern(count: 12345, seed: 3)
        try Data(smallBytes).write(to: small)
        try await b.upload("up/small", fromFile: small.path)
        #expect(try await b.get("up/small") == smallBytes)

        let large = dir.appendingPathComponent("large")
        let largeBytes = pattern(count: largeFileSize, seed: 4)
        try Data(largeBytes).write(to: large)
        try await b.upload("up/large", fromFile: large.path)
        #expect(try await b.attributes("up/large").size == largeFileSize)
        let got = try await b.get("up/large")
        #expect(got.count == largeBytes.count)
        #expect(got == largeBytes, "multipart upload reassembles the file exactly")
        let mid = largeFileSize / 2
        #expect(try await b.getRange("up/large", mid..<(mid + 100)) == Array(largeBytes[mid..<(mid + 100)]))

        await #expect(throws: BucketError.self) { try await b.upload("up/missing", fromFile: dir.appendingPathComponent("nope").path) }

        let downloaded = dir.appendingPathComponent("sub/downloaded")
        try await b.download("up/large", toFile: downloaded.path)
        #expect(try Data(contentsOf: downloaded) == Data(largeBytes), "download streams the object to disk intact")
        try await b.download("up/small", toFile: downloaded.path)
        #expect(try Data(contentsOf: downloaded) == Data(smallBytes), "download replaces an existing file")
        let missing = dir.appendingPathComponent("missing")
        await #expect(throws: BucketError.notFound(bucket: b.name, key: "up/none")) { try await b.download("up/none", toFile: missing.path) }
        #expect(!FileManager.default.fileExists(atPath: missing.path), "a failed download leaves no file")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sub").path) == ["downloaded"], "no temp files left")
    }

    /// Deterministic non-repeating-looking bytes, so misplaced parts or ranges show up.
    static func pattern(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            out[i] = UInt8(truncatingIfNeeded: state)
        }
        return out
    }
}
