import Foundation
import Logging
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore
import StrataStoreGateway
import Testing

/// A tenant with overlapping and disjoint blocks (the same series in several of them), a block
/// split over several chunk files, a partial upload and a second tenant, plus the queries whose
/// answers the store-gateway must match against the blocks opened locally.
struct Scenario {
    let local: String
    /// Complete blocks of `TestBlocks.tenant`, in upload order: A, B (overlaps A in time and
    /// series), C (disjoint), D (several chunk files).
    let blocks: [BlockMeta]
    /// Uploaded without `meta.json`.
    let partial: BlockMeta
    /// The only block of `other`.
    let otherBlock: BlockMeta
    let other: TenantID

    static let hour: Int64 = 3_600_000

    static func make() throws -> Scenario {
        let local = try makeTempDir("scenario")
        let t = TestBlocks.start
        let a = try TestBlocks.write(TestBlocks.series(count: 60, samples: 480, from: t, seed: 1), local: local)
        let b = try TestBlocks.write(TestBlocks.series(count: 60, first: 30, samples: 480, from: t + hour, seed: 2), local: local)
        let c = try TestBlocks.write(TestBlocks.series(count: 40, samples: 240, from: t + 4 * hour, seed: 3), local: local)
        let d = try TestBlocks.write(TestBlocks.series(count: 50, first: 10, samples: 240, from: t + 6 * hour, seed: 4), local: local, maxSegmentSize: 4096)
        let p = try TestBlocks.write(TestBlocks.series(count: 20, samples: 120, from: t + 8 * hour, seed: 5), local: local)
        let other = (try? TenantID(validating: "team-b")) ?? .anonymous
        let o = try TestBlocks.write(TestBlocks.series(count: 10, samples: 120, from: t, seed: 6, metrics: 1), local: local, tenant: other)
        return Scenario(local: local, blocks: [a, b, c, d], partial: p, otherBlock: o, other: other)
    }

    /// Uploads everything and writes both tenants' bucket indexes.
    func upload(to bucket: any Bucket) async throws {
        for meta in blocks { try await TestBlocks.upload(meta, local: local, to: bucket) }
        try await TestBlocks.upload(partial, local: local, to: bucket, includeMeta: false)
        try await TestBlocks.upload(otherBlock, local: local, to: bucket, tenant: other)
        for tenant in [TestBlocks.tenant, other] {
            let index = try await BucketIndex.update(bucket: bucket, tenant: tenant, old: nil, now: 1_700_000_000)
            try await index.write(bucket: bucket, tenant: tenant)
        }
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: local) }

    struct Query {
        var matchers: [LabelMatcher]
        var minTime: Int64
        var maxTime: Int64
    }

    static func queries() throws -> [Query] {
        let t = TestBlocks.start
        return [
            Query(matchers: [try m(.equal, "__name__", "metric_1")], minTime: .min, maxTime: .max),
            Query(matchers: [try m(.equal, "job", "api"), try m(.regexMatch, "region", "eu.*|café")], minTime: t + 90 * 60_000, maxTime: t + 5 * hour),
            Query(matchers: [try m(.notEqual, "env", "prod"), try m(.regexMatch, "__name__", "metric_[02]")], minTime: t + 2 * hour - 1, maxTime: t + 2 * hour + 1),
            Query(matchers: [try m(.equal, "instance", "host-3.example.org:9100")], minTime: .min, maxTime: .max),
            Query(matchers: [try m(.notEqual, "__name__", "")], minTime: .min, maxTime: .max),
            Query(matchers: [try m(.regexMatch, "job", ".+"), try m(.regexNoMatch, "region", "日本")], minTime: t + 4 * hour, maxTime: t + 5 * hour - 1),
            Query(matchers: [try m(.equal, "__name__", "no_such_metric")], minTime: .min, maxTime: .max),
            Query(matchers: [try m(.equal, "env", "prod")], minTime: t + 6 * hour, maxTime: t + 9 * hour),
        ]
    }

    /// Checks `select`, `labelNames` and `labelValues` of `gateway` against the blocks opened
    /// locally, for `expected` (default: every complete block of the tenant).
    func verify(_ gateway: StoreGateway, expected: [BlockMeta]? = nil, _ comment: String = "") async throws {
        let metas = expected ?? blocks
        let tenant = TestBlocks.tenant
        for (i, q) in try Self.queries().enumerated() {
            let got = try await gateway.select(SelectRequest(tenant: tenant, minTime: q.minTime, maxTime: q.maxTime, matchers: q.matchers))
            let want = try TestBlocks.reference(metas, local: local, matchers: q.matchers, minTime: q.minTime, maxTime: q.maxTime)
            #expect(got.count == want.count, "\(comment) query \(i): \(got.count) series, want \(want.count)")
            #expect(got == want, "\(comment) query \(i) \(q.matchers)")
        }
        let t = TestBlocks.start
        let ranges: [(Int64, Int64)] = [(.min, .max), (t + 4 * Self.hour, t + 5 * Self.hour - 1), (t + 8 * Self.hour, t + 9 * Self.hour)]
        let labelMatchers: [[LabelMatcher]] = [[], [try m(.equal, "env", "prod")], [try m(.equal, "job", "web")]]
        for (mint, maxt) in ranges {
            for matchers in labelMatchers {
                let names = try await gateway.labelNames(tenant: tenant, minTime: mint, maxTime: maxt, matchers: matchers)
                #expect(names == (try TestBlocks.referenceLabelNames(metas, local: local, matchers: matchers, minTime: mint, maxTime: maxt)), "\(comment) label names \(matchers) [\(mint), \(maxt)]")
                for name in ["instance", "region", "env", "nope"] {
                    let values = try await gateway.labelValues(tenant: tenant, name: name, minTime: mint, maxTime: maxt, matchers: matchers)
                    #expect(values == (try TestBlocks.referenceLabelValues(metas, local: local, name: name, matchers: matchers, minTime: mint, maxTime: maxt)), "\(comment) label values \(name) \(matchers)")
                }
            }
        }
        // The other tenant's block never leaks into this tenant's answers and is served to its own.
        let otherSeries = try await gateway.select(SelectRequest(tenant: other, minTime: .min, maxTime: .max, matchers: [try m(.regexMatch, "__name__", ".+")]))
        #expect(otherSeries == (try TestBlocks.reference([otherBlock], local: local, matchers: [try m(.regexMatch, "__name__", ".+")], minTime: .min, maxTime: .max)))
    }
}

/// A logger for tests that only shows warnings and worse.
func testLogger() -> Logger {
    var logger = Logger(label: "strata.store-gateway.test")
    logger.logLevel = .warning
    return logger
}
