import Foundation
import Logging
import Metrics
import StrataIngester
import StrataLimits
import StrataModel
import Testing

/// The ingester's `Queryable` takes the query-frontend's `__query_shard__` matcher out and applies
/// it by series hash; a malformed one is refused with `QueryShardError`.
@Suite struct IngesterShardTests {
    @Test func shardsPartitionTheSelectionAndAMalformedShardIsRefused() async throws {
        let dir = NSTemporaryDirectory() + "strata-ingester-shard-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ingester = Ingester(config: .init(directory: dir, headOptions: .init()), overrides: Overrides(defaults: Limits()),
                                metricsFactory: NOOPMetricsHandler.instance,
                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await ingester.open()
        defer { ingester.close() }
        let tenant = try TenantID(validating: "team-a")
        var batch = SeriesBatch()
        for i in 0..<90 {
            batch.append(labels: Labels([Label(name: "__name__", value: "up"), Label(name: "pod", value: "p\(i)")]),
                         samples: [Sample(timestamp: 1_000, value: Double(i)), Sample(timestamp: 16_000, value: Double(i + 1))])
        }
        #expect(try await ingester.push(tenant: tenant, batch: batch).appendedSamples == 180)

        let up = try LabelMatcher(.equal, "__name__", "up")
        let whole = try await ingester.select(SelectRequest(tenant: tenant, minTime: 0, maxTime: 20_000, matchers: [up]))
        #expect(whole.count == 90)
        for n in [1, 3, 16] {
            var seen: [Labels: QuerySeries] = [:]
            var pods = Set<String>()
            for i in 0..<n {
                let shard = try #require(QueryShard(index: i, count: n))
                let part = try await ingester.select(SelectRequest(tenant: tenant, minTime: 0, maxTime: 20_000, matchers: [up, shard.matcher]))
                for s in part {
                    #expect(s.labels.stableHash % UInt64(n) == UInt64(i))
                    #expect(seen.updateValue(s, forKey: s.labels) == nil, "\(s.labels) in two of \(n) shards")
                }
                let values = try await ingester.labelValues(tenant: tenant, name: "pod", minTime: 0, maxTime: 20_000, matchers: [shard.matcher])
                #expect(values == part.compactMap { $0.labels["pod"] }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
                pods.formUnion(values)
            }
            #expect(seen.count == whole.count)
            for s in whole { #expect(seen[s.labels] == s) }
            #expect(pods.count == 90)
        }

        let bad = [up, LabelMatcher(literal: QueryShard.labelName, "4_of_3")]
        await #expect(throws: QueryShardError.self) {
            try await ingester.select(SelectRequest(tenant: tenant, minTime: 0, maxTime: 20_000, matchers: bad))
        }
        await #expect(throws: QueryShardError.self) {
            try await ingester.labelNames(tenant: tenant, minTime: 0, maxTime: 20_000, matchers: bad)
        }
        await #expect(throws: QueryShardError.self) {
            try await ingester.labelValues(tenant: tenant, name: "pod", minTime: 0, maxTime: 20_000, matchers: bad)
        }
    }
}
