import Foundation
import StrataModel
import StrataObjstore
import StrataTestSupport

/// `promtool tsdb dump` of every complete block (one with a `meta.json`) of `tenant` in a
/// filesystem bucket that is not marked for deletion: how many blocks there are and every
/// series' samples over all of them, in time order.
///
/// A block deleted by a compactor between the listing and the download is retried (a running
/// compactor may replace blocks while the test reads), up to 20 times half a second apart.
func promtoolDumpBucket(_ bucket: FilesystemBucket, tenant: String) async throws -> (blocks: Int, series: [Labels: [Sample]]) {
    var attempt = 0
    while true {
        do {
            return try await promtoolDumpBucketOnce(bucket, tenant: tenant)
        } catch let error as BucketError {
            attempt += 1
            guard attempt < 20, case .notFound = error else { throw error }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}

private func promtoolDumpBucketOnce(_ bucket: FilesystemBucket, tenant: String) async throws -> (blocks: Int, series: [Labels: [Sample]]) {
    let work = try makeTempDirectory("strata-bucket-dump")
    defer { try? FileManager.default.removeItem(at: work) }
    let listing = try await bucket.list(prefix: tenant + "/", delimiter: "/")
    var all: [Labels: [Sample]] = [:]
    var blocks = 0
    for prefix in listing.commonPrefixes {
        let id = String(prefix.dropFirst(tenant.count + 1).dropLast())
        guard id.count == 26 else { continue }
        var keys: [String] = []
        try await bucket.iter(prefix: "\(tenant)/\(id)/", delimiter: nil) { (page: ListPage) throws(BucketError) in keys += page.keys }
        guard keys.contains("\(tenant)/\(id)/meta.json") else { continue }
        // A block marked for deletion was replaced (compacted or rewritten) and waits for the
        // cleanup; readers skip it, and counting it would show its samples twice.
        if keys.contains("\(tenant)/\(id)/deletion-mark.json") { continue }
        blocks += 1
        let db = work.appendingPathComponent(id)
        for key in keys {
            let path = db.appendingPathComponent(id).appendingPathComponent(String(key.dropFirst("\(tenant)/\(id)/".count)))
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try await bucket.download(key, toFile: path.path)
        }
        // promtool opens the directory as a TSDB, which needs a WAL directory.
        try FileManager.default.createDirectory(at: db.appendingPathComponent("wal"), withIntermediateDirectories: true)
        for (labels, samples) in try Promtool.parseDump(try Promtool.run(["tsdb", "dump", db.path])) {
            all[labels, default: []] += samples
        }
    }
    // Blocks come in ULID order, which is not time order once a compactor wrote a block for
    // an older range after a newer one.
    for key in all.keys { all[key]?.sort { $0.timestamp < $1.timestamp } }
    return (blocks, all)
}
