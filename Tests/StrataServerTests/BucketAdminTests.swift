import Foundation
import Logging
import Synchronization
import NIOCore
import StrataBlocks
import StrataChunks
import StrataHTTP
import StrataModel
import StrataObjstore
import Testing
@testable import StrataServer

/// The block-upload state machine and its refusals, on a filesystem bucket: what the HTTP layer
/// turns into 400, 404, 409 and 413.
@Suite("Block upload on the bucket")
struct BucketAdminTests {
    struct Fixture {
        let root: String
        let bucket: FilesystemBucket
        let admin: BucketAdmin
        let block: String
        let blockID: String
        let synced = SyncCounter()

        init() throws {
            root = NSTemporaryDirectory() + "strata-bucket-admin-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: root + "/local", withIntermediateDirectories: true)
            bucket = try FilesystemBucket(root: root + "/bucket")
            let counter = synced
            admin = BucketAdmin(bucket: bucket, workDirectory: root + "/work", headSeries: nil,
                                afterUpload: { _ in counter.increment() }, logger: Logger(label: "test"))
            var chunk = XORChunk()
            let end = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
            for i in 0..<30 { chunk.append(timestamp: end - Int64(29 - i) * 60_000, value: Double(i)) }
            let meta = try BlockWriter.write(parentDirectory: root + "/local",
                                             series: [BlockSeries(labels: Labels(["__name__": "up_test", "job": "j"]), chunks: [chunk.encoded()])])
            blockID = meta.ulid
            block = root + "/local/" + meta.ulid
        }

        func file(_ path: String) throws -> [UInt8] {
            try [UInt8](Data(contentsOf: URL(fileURLWithPath: block + "/" + path)))
        }

        func send(_ tenant: TenantID, _ path: String, _ bytes: [UInt8]) async throws(AdminStorageError) {
            try await admin.uploadFile(tenant: tenant, id: blockID, path: path, body: Pieces(bytes: bytes))
        }
    }

    /// A body in 100-byte pieces.
    struct Pieces: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let bytes: [UInt8]
        func makeAsyncIterator() -> AsyncStream<ByteBuffer>.Iterator {
            let pieces = stride(from: 0, to: bytes.count, by: 100).map { ByteBuffer(bytes: bytes[$0..<Swift.min($0 + 100, bytes.count)]) }
            return AsyncStream { continuation in
                for p in pieces { continuation.yield(p) }
                continuation.finish()
            }.makeAsyncIterator()
        }
    }

    final class SyncCounter: Sendable {
        let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    static func expectError(_ kind: String, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected \(kind), it succeeded")
        } catch {
            guard let error = error as? AdminStorageError else {
                Issue.record("expected \(kind), got \(error)")
                return
            }
            let got: String
            switch error {
            case .notFound: got = "notFound"
            case .invalid: got = "invalid"
            case .conflict: got = "conflict"
            case .tooLarge: got = "tooLarge"
            case .unavailable: got = "unavailable"
            }
            #expect(got == kind, "\(error)")
        }
    }

    @Test("start, files, finish: the block becomes complete with the tenant label, listed and synced")
    func wholeUpload() async throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: f.root) }
        let tenant = try TenantID(validating: "team-up")
        let metaBytes = try f.file("meta.json"), index = try f.file("index")
        await Self.expectError("notFound") { _ = try await f.admin.uploadState(tenant: tenant, id: f.blockID) }
        await Self.expectError("notFound") { try await f.send(tenant, "index", index) }

        try await f.admin.startUpload(tenant: tenant, id: f.blockID, meta: metaBytes)
        #expect(try await f.admin.uploadState(tenant: tenant, id: f.blockID).result == .uploading)
        await Self.expectError("invalid") { try await f.admin.finishUpload(tenant: tenant, id: f.blockID) }
        try await f.send(tenant, "chunks/000001", try f.file("chunks/000001"))
        try await f.send(tenant, "index", index)
        try await f.admin.finishUpload(tenant: tenant, id: f.blockID)
        var state = AdminUploadState(result: .validating)
        for _ in 0..<500 where state.result == .validating {
            try await Task.sleep(for: .milliseconds(20))
            state = try await f.admin.uploadState(tenant: tenant, id: f.blockID)
        }
        #expect(state.result == .complete, "\(state)")
        // The block is complete once meta.json is written; the bucket index and the store-gateway
        // sync follow it, so wait for them rather than assume they already ran.
        for _ in 0..<500 where f.synced.value == 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(f.synced.value == 1)
        let meta = try BlockMeta.decode(try await f.bucket.get("team-up/\(f.blockID)/meta.json"), path: "meta.json")
        #expect(meta.tenant == "team-up" && meta.strata?.seriesByMetricName == ["up_test": 1])
        #expect(try await !f.bucket.exists("team-up/\(f.blockID)/uploading-meta.json"))
        #expect(try await f.admin.blocks(tenant: tenant).map(\.id) == [f.blockID])
        #expect(try await f.admin.verify(tenant: tenant, id: f.blockID).ok)

        // Once complete, the block is never uploaded again.
        await Self.expectError("conflict") { try await f.admin.startUpload(tenant: tenant, id: f.blockID, meta: metaBytes) }
        await Self.expectError("conflict") { try await f.send(tenant, "index", [1]) }
        await Self.expectError("conflict") { try await f.admin.finishUpload(tenant: tenant, id: f.blockID) }
        // Another tenant's block of the same ID is another block.
        let other = try TenantID(validating: "team-other")
        await Self.expectError("notFound") { _ = try await f.admin.block(tenant: other, id: f.blockID) }
    }

    @Test("meta.json, paths and sizes are checked")
    func refusals() async throws {
        let f = try Fixture()
        defer { try? FileManager.default.removeItem(atPath: f.root) }
        let meta = try BlockMeta.decode(try f.file("meta.json"), path: "meta.json")
        var future = meta
        future.maxTime = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        var downsampled = meta
        downsampled.thanos = BlockMeta.Thanos(downsample: .init(resolution: 60_000), source: "x")
        var empty = meta
        empty.maxTime = empty.minTime
        for (bad, why) in [(future, "future"), (downsampled, "resolution"), (empty, "not before")] {
            do {
                _ = try f.admin.checkMeta(bad.encoded(), id: f.blockID)
                Issue.record("accepted a meta.json with \(why)")
            } catch {
                #expect(error.description.contains(why) && error.description.contains("err-strata-block-upload-invalid"), "\(error)")
            }
        }
        #expect(throws: AdminStorageError.self) { try f.admin.checkMeta(meta.encoded(), id: "01ARZ3NDEKTSV4RRFFQ69G5FAV") }
        #expect(throws: AdminStorageError.self) { try f.admin.checkMeta(Array("{}".utf8), id: f.blockID) }

        #expect(try BucketAdmin.checkPath("index") == BucketAdmin.maxIndexBytes)
        #expect(try BucketAdmin.checkPath("chunks/000001") == BucketAdmin.maxSegmentBytes)
        for path in ["meta.json", "tombstones", "chunks/000000", "chunks/1", "chunks/00000a", "../index", "index/", "chunks/000001/x", ""] {
            #expect(throws: AdminStorageError.self, "\(path)") { try BucketAdmin.checkPath(path) }
        }

        let file = f.root + "/limited"
        await Self.expectError("tooLarge") {
            try await BucketAdmin.write(Pieces(bytes: [UInt8](repeating: 7, count: 1000)), to: file, limit: 999, path: "index")
        }
        try await BucketAdmin.write(Pieces(bytes: [UInt8](repeating: 7, count: 1000)), to: file, limit: 1000, path: "index")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)).count == 1000)
    }
}
