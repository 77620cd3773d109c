import StrataLimits
import StrataModel
import Testing
@testable import StrataQueryFrontend

@Suite struct FrontendLimitsTests {
    @Test func blockedQueriesAreRefusedWithTheirPattern() async throws {
        var limits = Limits()
        limits.blockedQueries = [try BlockedQuery(pattern: "count(up)", regex: false),
                                 try BlockedQuery(pattern: ".*expensive_metric.*", regex: true)]
        let overrides = Overrides(defaults: limits)
        let fl = FrontendLimits(overrides: overrides, tenants: [.anonymous])
        for q in ["count(up)", "  count(up) ", "sum(rate(expensive_metric[5m]))"] {
            do {
                try fl.checkBlocked(q, tenantKey: "anonymous")
                Issue.record("\(q) was not blocked")
            } catch {
                #expect(error.status == 400)
                #expect(error.message.contains("err-strata-query-blocked"))
            }
        }
        try fl.checkBlocked("count(up) by (job)", tenantKey: "anonymous")
    }

    @Test func badBlockedQueryRegexIsRefusedAtLoad() {
        #expect(throws: LimitValueError.self) { _ = try BlockedQuery(pattern: "(unclosed", regex: true) }
    }

    @Test func federatedQueriesUseTheStrictestLimits() throws {
        let overrides = Overrides(defaults: Limits())
        try overrides.apply(runtimeConfigYAML: """
        overrides:
          a:
            max_query_parallelism: 4
            query_sharding_total_shards: 8
            max_queriers_per_tenant: 2
        """, source: "test")
        let l = FrontendLimits(overrides: overrides, tenants: [try TenantID(validating: "a"), try TenantID(validating: "b")])
        #expect(l.maxQueryParallelism == 4)
        #expect(l.queryShardingTotalShards == 8)
        #expect(l.maxQueriersPerTenant == 2)
    }
}
