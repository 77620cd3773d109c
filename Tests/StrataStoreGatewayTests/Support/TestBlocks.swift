import Foundation
import StrataBlocks
import StrataBucketIndex
import StrataChunks
import StrataModel
import StrataObjstore
import StrataTestSupport
import Testing

/// Test blocks: generated series, written with `BlockWriter`, uploaded like a shipper does.
enum TestBlocks {
    /// 15 s scrape interval.
    static let step: Int64 = 15_000
    /// A 2 h-aligned start.
    static let start: Int64 = 1_700_006_400_000
    static let tenant: TenantID = (try? TenantID(validating: "team-a")) ?? .anonymous

    /// `count` series named by index (so the same index in two blocks is the same series),
    /// with samples every `step` in `[from, from + samples * step)`.
    static func series(count: Int, first: Int = 0, samples: Int, from: Int64, seed: UInt64, metrics: Int = 3, instances: Int? = nil) -> [BlockSeries] {
        var rng = SeededRandom(seed: seed)
        let regions = ["eu-west", "日本", "café", "us-east"]
        var out: [BlockSeries] = []
        for i in first..<(first + count) {
            var pairs: [String: String] = [
                "__name__": "metric_\(i % metrics)",
                "instance": "host-\(instances.map { i / metrics % $0 } ?? i / metrics).example.org:9100",
                "job": i % 2 == 0 ? "api" : "web",
                "region": regions[i % regions.count],
            ]
            if i % 5 == 0 { pairs["env"] = "prod" }
            var chunks: [EncodedChunk] = []
            var c = XORChunk()
            var v = Double(rng.next() % 1000)
            for k in 0..<samples {
                if c.count == XORChunk.maxSamples {
                    chunks.append(c.encoded())
                    c = XORChunk()
                }
                v += Double(rng.next() % 100) / 10
                c.append(timestamp: from + Int64(k) * step, value: v)
            }
            if c.count > 0 { chunks.append(c.encoded()) }
            out.append(BlockSeries(labels: Labels(pairs), chunks: chunks))
        }
        out.sort { $0.labels < $1.labels }
        return out
    }

    /// Writes a block under `local` and returns its meta.
    static func write(_ series: [BlockSeries], local: String, tenant: TenantID = tenant, maxSegmentSize: Int = BlockFormat.defaultMaxSegmentSize) throws -> BlockMeta {
        try BlockWriter.write(parentDirectory: local, series: series,
                              thanos: BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: tenant.rawValue], source: "strata"),
                              maxSegmentSize: maxSegmentSize)
    }

    /// Uploads a local block file by file (`upload(_:fromFile:)`), `meta.json` last, as a
    /// shipper does, so a block without `meta.json` is a partial upload.
    static func upload(_ meta: BlockMeta, local: String, to bucket: any Bucket, tenant: TenantID = tenant, includeMeta: Bool = true) async throws {
        let dir = local + "/" + meta.ulid
        let prefix = tenant.rawValue + "/" + meta.ulid + "/"
        let chunkNames = try FileManager.default.contentsOfDirectory(atPath: dir + "/chunks").sorted()
        for name in chunkNames { try await bucket.upload(prefix + "chunks/" + name, fromFile: dir + "/chunks/" + name) }
        try await bucket.upload(prefix + "index", fromFile: dir + "/index")
        try await bucket.upload(prefix + "tombstones", fromFile: dir + "/tombstones")
        if includeMeta { try await bucket.upload(prefix + "meta.json", fromFile: dir + "/meta.json") }
    }

    /// What the blocks answer when opened locally with `Block(directory:)` and merged by
    /// labels the way the store-gateway promises: blocks in ULID order, chunks of equal series
    /// concatenated and sorted by `minTime` (block order on ties).
    static func reference(_ metas: [BlockMeta], local: String, matchers: [LabelMatcher], minTime: Int64, maxTime: Int64) throws -> [QuerySeries] {
        var merged: [Labels: [(EncodedChunk, Int)]] = [:]
        var order = 0
        for meta in metas.sorted(by: { $0.ulid < $1.ulid }) {
            let block = try Block(directory: local + "/" + meta.ulid)
            for s in try block.select(matchers: matchers, minTime: minTime, maxTime: maxTime) {
                for c in s.chunks {
                    merged[s.labels, default: []].append((c, order))
                    order += 1
                }
            }
        }
        return merged.keys.sorted().map { labels in
            let chunks = (merged[labels] ?? []).sorted { $0.0.minTime != $1.0.minTime ? $0.0.minTime < $1.0.minTime : $0.1 < $1.1 }
            return QuerySeries(labels: labels, chunks: chunks.map(\.0))
        }
    }

    static func referenceLabelNames(_ metas: [BlockMeta], local: String, matchers: [LabelMatcher], minTime: Int64, maxTime: Int64) throws -> [String] {
        var names = Set<String>()
        for meta in metas {
            names.formUnion(try Block(directory: local + "/" + meta.ulid).reader.labelNames(minTime: minTime, maxTime: maxTime, matchers: matchers))
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func referenceLabelValues(_ metas: [BlockMeta], local: String, name: String, matchers: [LabelMatcher], minTime: Int64, maxTime: Int64) throws -> [String] {
        var values = Set<String>()
        for meta in metas {
            values.formUnion(try Block(directory: local + "/" + meta.ulid).reader.labelValues(name: name, minTime: minTime, maxTime: maxTime, matchers: matchers))
        }
        return values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

/// A fresh temporary directory.
func makeTempDir(_ tag: String) throws -> String {
    let path = NSTemporaryDirectory() + "strata-sg-\(tag)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Shorthand for a matcher in tests.
func m(_ type: MatchType, _ name: String, _ value: String) throws -> LabelMatcher {
    try LabelMatcher(type, name, value)
}
