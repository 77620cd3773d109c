import AsyncHTTPClient
import Foundation
import NIOCore
import StrataBucketIndex
import StrataModel
import StrataObjstore
import StrataTestSupport
import StrataWire
import Testing

/// The compactor in a real cluster: 3 ingesters (RF=3) ship three copies of every sample; the
/// compactor leaves one, queries through the querier never see a sample twice or miss one while
/// it works, and promtool reads what it wrote.
@Suite(.serialized)
struct CompactorClusterTests {
    static let tenant = ClusterTests.tenant

    /// Live (unmarked) blocks and deletion marks of the tenant, from a fresh bucket listing.
    static func index(_ bucket: S3Bucket) async throws -> BucketIndex {
        try await BucketIndex.update(bucket: bucket, tenant: TenantID(validating: tenant), old: nil, now: Int64(Date().timeIntervalSince1970))
    }

    /// Bytes of the tenant's block objects (the bucket index and markers left out).
    static func blockBytes(_ bucket: S3Bucket) async throws -> Int {
        var total = 0
        var keys: [String] = []
        try await bucket.iter(prefix: tenant + "/", delimiter: nil) { (page: ListPage) throws(BucketError) in keys += page.keys }
        for key in keys where !key.hasSuffix(BucketIndex.objectName) && !key.contains("/markers/") {
            total += try await bucket.attributes(key).size
        }
        return total
    }

    /// What is wrong with one exactly-once read through the querier (empty when nothing).
    static func exactlyOnceProblems(_ acked: ClusterTests.AckedSamples, cluster: LocalCluster, end: Int64) async -> [String] {
        do {
            let read = try await remoteRead(client: .shared, baseURL: cluster.url("querier"), tenant: tenant,
                                            matchers: [WireMatcher(type: .regexMatch, name: "__name__", value: ".+")],
                                            start: 0, end: end)
            var problems: [String] = []
            var stored = 0
            var byHash: [String: [Int64: UInt64]] = [:]
            for series in read {
                var previous = Int64.min
                var byTime: [Int64: UInt64] = [:]
                for sample in series.samples {
                    if sample.timestamp <= previous { problems.append("\(series.labels) repeats \(sample.timestamp)") }
                    previous = sample.timestamp
                    byTime[sample.timestamp] = sample.value.bitPattern
                }
                stored += series.samples.count
                byHash[ClusterTests.AckedSamples.key(series.labels.stableHash)] = byTime
            }
            var missing = 0
            for (hash, samples) in acked.bySeries {
                for s in samples where byHash[hash]?[s.timestamp] != s.bits { missing += 1 }
            }
            if missing > 0 { problems.append("\(missing) acknowledged samples missing") }
            if stored != acked.count { problems.append("read \(stored) samples, acknowledged \(acked.count)") }
            return Array(problems.prefix(5))
        } catch {
            // The reader is cancelled when the test has seen enough; that is no failed read.
            return Task.isCancelled ? [] : ["read failed: \(error)"]
        }
    }

    @Test("RF=3 blocks compacted to one copy: no duplicate or missing sample during compaction, promtool reads the result, bytes drop")
    func compactionLeavesOneCopy() async throws {
        try Promtool.require()
        let cluster = try await LocalCluster(compactors: 2, extra: [
            // Reads come from the store-gateways alone, so the switch to compacted blocks is what is tested.
            "querier": ["-querier.query-ingesters-within=1ms", "-querier.query-store-after=0s"],
            "compactor-1": ["-compactor.compaction-interval=1s", "-compactor.first-level-compaction-wait-period=0s",
                            "-compactor.deletion-delay=1h", "-compactor.downsampling-enabled=false"],
            // The cleanup run: its own ring, so it owns the tenant at once; blocks marked go now.
            "compactor-2": ["-compactor.compaction-interval=1s", "-compactor.first-level-compaction-wait-period=0s",
                            "-compactor.deletion-delay=0s", "-compactor.downsampling-enabled=false", "-compactor.ring.store=inmemory"],
        ])
        defer { cluster.shutdown() }
        try await cluster.startAll(client: .shared, skipping: ["compactor-1", "compactor-2"])
        let acked = cluster.root.appendingPathComponent("acked.txt")
        let (status, output) = try await ClusterTests.runLoadgen(cluster: cluster, seconds: 12, series: 200, acked: acked)
        #expect(status == 0, "\(output)")
        let samples = try ClusterTests.AckedSamples(file: acked)
        #expect(samples.count > 1000)
        for name in cluster.ingesterNames {
            guard let process = cluster.process(name) else { throw HarnessError("\(name) not running") }
            try await BlocksStorageTests.flush(server: process, client: .shared)
        }
        let end = Int64(Date().timeIntervalSince1970 * 1000) + 60_000
        let bucket = try S3Bucket(config: cluster.s3)
        defer { Task { await bucket.shutdown() } }
        let shipped = try await Self.index(bucket)
        #expect(shipped.blocks.count >= 3, "three ingesters shipped their copies")
        // The store-gateways serve every shipped block before the compactor starts.
        try await eventually("store-gateways serve the shipped blocks", timeout: .seconds(120)) {
            await Self.exactlyOnceProblems(samples, cluster: cluster, end: end).isEmpty
        }
        let bytesBefore = try await Self.blockBytes(bucket)

        // Compaction while a reader checks every sample, over and over.
        let reader = Task { () -> (reads: Int, problems: [String]) in
            var problems: [String] = []
            var reads = 0
            while !Task.isCancelled {
                problems += await Self.exactlyOnceProblems(samples, cluster: cluster, end: end)
                reads += 1
                try? await Task.sleep(for: .milliseconds(100))
            }
            return (reads, problems)
        }
        try await cluster.start("compactor-1", client: .shared)
        try await eventually("the compactor merges the replicas' blocks", timeout: .seconds(180)) {
            let index = try await Self.index(bucket)
            let marked = Set(index.blockDeletionMarks.map(\.id))
            let live = index.blocks.filter { !marked.contains($0.id) }
            return !live.isEmpty && live.allSatisfy { $0.compactionLevel >= 2 } && marked.count == shipped.blocks.count
        }
        // Keep reading across a few store-gateway syncs (2 s each): both views, then the new one.
        try await Task.sleep(for: .seconds(8))
        reader.cancel()
        let during = await reader.value
        #expect(during.reads >= 10)
        #expect(during.problems.isEmpty, "\(during.problems.prefix(5))\n\(cluster.logs())")
        cluster.process("compactor-1")?.kill9()

        // A compactor with no deletion delay removes the sources.
        try await cluster.start("compactor-2", client: .shared)
        try await eventually("the sources are deleted", timeout: .seconds(120)) {
            let index = try await Self.index(bucket)
            let listed = try await bucket.list(prefix: Self.tenant + "/", delimiter: "/").commonPrefixes
                .filter { !$0.hasSuffix("/markers/") }
            return index.blockDeletionMarks.isEmpty && index.blocks.allSatisfy { $0.compactionLevel >= 2 }
                && Set(listed) == Set(index.blocks.map { "\(Self.tenant)/\($0.id)/" })
        }
        let bytesAfter = try await Self.blockBytes(bucket)
        #expect(Double(bytesAfter) <= 0.4 * Double(bytesBefore), "bucket bytes \(bytesBefore) → \(bytesAfter)")
        print("compaction of RF=3 blocks: bucket bytes \(bytesBefore) → \(bytesAfter) (×\(Double(bytesAfter) / Double(bytesBefore))), "
            + "\(Double(bytesAfter) / Double(samples.count)) bytes per acknowledged sample; \(during.reads) exactly-once reads during compaction")

        // promtool reads each compacted block; together they hold each acknowledged sample once.
        let work = try makeTempDirectory("strata-compacted")
        defer { try? FileManager.default.removeItem(at: work) }
        var dumped: [String: [Int64: UInt64]] = [:]
        var dumpedCount = 0
        for block in try await Self.index(bucket).blocks {
            let db = work.appendingPathComponent(block.id)
            var keys: [String] = []
            try await bucket.iter(prefix: "\(Self.tenant)/\(block.id)/", delimiter: nil) { (page: ListPage) throws(BucketError) in keys += page.keys }
            for key in keys {
                let path = db.appendingPathComponent(block.id).appendingPathComponent(String(key.dropFirst("\(Self.tenant)/\(block.id)/".count)))
                try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
                try await bucket.download(key, toFile: path.path)
            }
            // promtool opens the directory as a Prometheus data directory, which has a WAL.
            try FileManager.default.createDirectory(at: db.appendingPathComponent("wal"), withIntermediateDirectories: true)
            let analyze = try Promtool.run(["tsdb", "analyze", db.path, block.id])
            #expect(analyze.contains("Block ID: \(block.id)"), "\(analyze.prefix(300))")
            let dump = try Promtool.parseDump(try Promtool.run(["tsdb", "dump", db.path]))
            for (labels, series) in dump {
                let key = ClusterTests.AckedSamples.key(labels.stableHash)
                for s in series {
                    #expect(dumped[key]?[s.timestamp] == nil, "\(labels) @ \(s.timestamp) in two blocks")
                    dumped[key, default: [:]][s.timestamp] = s.value.bitPattern
                    dumpedCount += 1
                }
            }
        }
        var missing = 0
        for (hash, series) in samples.bySeries {
            for s in series where dumped[hash]?[s.timestamp] != s.bits { missing += 1 }
        }
        #expect(missing == 0)
        #expect(dumpedCount == samples.count, "promtool dumped \(dumpedCount) samples, \(samples.count) acknowledged")
        try await eventually("queries answer from the compacted blocks alone", timeout: .seconds(60)) {
            await Self.exactlyOnceProblems(samples, cluster: cluster, end: end).isEmpty
        }
    }
}
