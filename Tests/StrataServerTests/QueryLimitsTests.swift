import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataLimits
import StrataModel
import StrataWire
import Testing

/// Per-tenant query limits through the HTTP API: `max_fetched_series_per_query`,
/// `max_fetched_chunk_bytes_per_query`, `max_partial_query_length` (422 `execution`),
/// `max_total_query_length` (400 `bad_data`, before evaluation) and `max_query_lookback` (clamps,
/// never fails), set for everyone or per tenant in the runtime overrides.
@Suite struct QueryLimitsTests {
    static func series(_ i: Int) -> Labels { Labels(["__name__": "m", "i": "\(i)"]) }

    /// A whole second a minute ago.
    static func base() -> Int64 { (nowMs() / 1000 - 60) * 1000 }

    /// Pushes three series `m{i="0".."2"}` with two samples each at `t0` and `t0 + 15s`.
    static func pushThree(_ client: any TestClientProtocol, t0: Int64, tenant: String = "team-a") async throws {
        try await pushSeries(client, (0..<3).map { (series($0), [Sample(timestamp: t0, value: 1), Sample(timestamp: t0 + 15_000, value: 2)]) },
                             tenant: tenant)
    }

    static func error(_ a: APIAnswer) -> String { a.json["error"] as? String ?? "" }

    /// Checks that `answer` is the 422 `execution` error a limit gives, with `message`.
    static func expectLimitError(_ answer: APIAnswer, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == .unprocessableContent, sourceLocation: sourceLocation)
        #expect(answer.json["errorType"] as? String == "execution", sourceLocation: sourceLocation)
        #expect(error(answer) == message, sourceLocation: sourceLocation)
    }

    @Test func fetchedSeriesLimitFailsTheQueryWith422() async throws {
        let strata = try await InProcessStrata { $0.limits.maxFetchedSeriesPerQuery = 2 }
        let t0 = Self.base()
        try await strata.test { client in
            try await Self.pushThree(client, t0: t0)
            let s = t0 / 1000
            let all = try await apiCall(client, "/api/v1/query?query=m&time=\(s + 15)")
            Self.expectLimitError(all, QueryLimitError.maxSeries(limit: 2).description)
            #expect(Self.error(all).hasPrefix("the query exceeded the maximum number of series (limit: 2 series) (err-strata-max-series-per-query)."))
            let range = try await apiCall(client, "/api/v1/query_range?query=sum(m)&start=\(s)&end=\(s + 15)&step=15")
            #expect(range.status == .unprocessableContent)
            // Two series are within the limit, also when two selectors read the same ones.
            let two = try await apiCall(client, "/api/v1/query?query=" + "m%7Bi!%3D%222%22%7D%20%2B%20m%7Bi!%3D%222%22%7D" + "&time=\(s + 15)")
            #expect(two.status == .ok)
            #expect(two.body.contains(#""resultType":"vector""#))
            // The series endpoint reads through the same limit.
            let seriesAPI = try await apiCall(client, "/api/v1/series?match[]=m&start=\(s)&end=\(s + 15)")
            #expect(seriesAPI.status == .unprocessableContent)
            #expect(Self.error(seriesAPI).contains("(err-strata-max-series-per-query)"))
        }
    }

    @Test func remoteReadIsUnderTheSameLimits() async throws {
        let strata = try await InProcessStrata { $0.limits.maxFetchedSeriesPerQuery = 2 }
        let t0 = Self.base()
        try await strata.test { client in
            try await Self.pushThree(client, t0: t0)
            let all = [WireMatcher(type: .equal, name: "__name__", value: "m")]
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody(all)) { r in
                #expect(r.status == .unprocessableContent)
                #expect(String(buffer: r.body).contains(QueryLimitError.maxSeries(limit: 2).description))
            }
            let two = all + [WireMatcher(type: .notEqual, name: "i", value: "2")]
            try await client.execute(uri: "/prometheus/api/v1/read", method: .post, headers: pushHeaders(),
                                     body: remoteReadBody(two)) { r in
                #expect(r.status == .ok)
                let series = try decodeRead(r.body)
                #expect(series.count == 2)
            }
        }
    }

    @Test func fetchedChunkBytesLimitFailsTheQueryWith422() async throws {
        let strata = try await InProcessStrata { $0.limits.maxFetchedChunkBytesPerQuery = 50 }
        let t0 = Self.base()
        try await strata.test { client in
            try await Self.pushThree(client, t0: t0)
            let s = t0 / 1000
            let all = try await apiCall(client, "/api/v1/query?query=m&time=\(s + 15)")
            Self.expectLimitError(all, QueryLimitError.maxChunkBytes(limit: 50).description)
            // One series' chunk (two samples, about 20 bytes) is within the limit.
            let one = try await apiCall(client, "/api/v1/query?query=m%7Bi%3D%220%22%7D&time=\(s + 15)")
            #expect(one.status == .ok, "\(one.body)")
        }
    }

    @Test func perTenantOverrideAppliesToThatTenantOnly() async throws {
        let strata = try await InProcessStrata()
        try strata.components.overrides.apply(runtimeConfigYAML: "overrides:\n  team-b:\n    max_fetched_series_per_query: 1\n",
                                              source: "runtime config test")
        let t0 = Self.base()
        try await strata.test { client in
            try await Self.pushThree(client, t0: t0, tenant: "team-a")
            try await Self.pushThree(client, t0: t0, tenant: "team-b")
            let s = t0 / 1000
            let a = try await apiCall(client, "/api/v1/query?query=m&time=\(s + 15)", tenant: "team-a")
            #expect(a.status == .ok)
            let b = try await apiCall(client, "/api/v1/query?query=m&time=\(s + 15)", tenant: "team-b")
            Self.expectLimitError(b, QueryLimitError.maxSeries(limit: 1).description)
            // A federated query takes the smallest limit of its tenants.
            let both = try await apiCall(client, "/api/v1/query?query=m&time=\(s + 15)", tenant: "team-a|team-b")
            Self.expectLimitError(both, QueryLimitError.maxSeries(limit: 1).description)
        }
    }

    @Test func partialQueryLengthLimitsWhatOneSelectorReads() async throws {
        let strata = try await InProcessStrata { $0.limits.maxPartialQueryLength = .seconds(3600) }
        let t0 = Self.base()
        try await strata.test { client in
            try await Self.pushThree(client, t0: t0)
            let s = t0 / 1000
            let long = try await apiCall(client, "/api/v1/query?query=count_over_time(m%5B2h%5D)&time=\(s + 15)")
            #expect(long.status == .unprocessableContent)
            #expect(long.json["errorType"] as? String == "execution")
            #expect(Self.error(long).hasPrefix("the query time range exceeds the limit (query length: 1h59m59.999s, limit: 1h0m0s) (err-strata-max-query-length)"))
            #expect(Self.error(long).hasSuffix("To adjust the related per-tenant limit, configure -querier.max-partial-query-length, or contact your service administrator."))
            let short = try await apiCall(client, "/api/v1/query?query=count_over_time(m%5B30m%5D)&time=\(s + 15)")
            #expect(short.status == .ok)
        }
    }

    @Test func totalQueryLengthIsRefusedBeforeEvaluationWith400() async throws {
        let strata = try await InProcessStrata { $0.limits.maxTotalQueryLength = .seconds(3600) }
        try await strata.test { client in
            let long = try await apiCall(client, "/prometheus/api/v1/query_range?query=vector(1)&start=0&end=7200&step=60")
            #expect(long.status == .badRequest)
            #expect(long.body == #"{"status":"error","errorType":"bad_data","error":"the total query time range exceeds the limit (query length: 2h0m0s, limit: 1h0m0s) (err-strata-max-total-query-length). To adjust the related per-tenant limit, configure -query-frontend.max-total-query-length, or contact your service administrator."}"#)
            let exact = try await apiCall(client, "/prometheus/api/v1/query_range?query=vector(1)&start=0&end=3600&step=60")
            #expect(exact.status == .ok)
            // Instant queries have no range: only the partial length applies to them.
            let instant = try await apiCall(client, "/prometheus/api/v1/query?query=vector(1)&time=7200")
            #expect(instant.status == .ok)
        }
    }

    @Test func lookbackClampsReadsInsteadOfFailing() async throws {
        let strata = try await InProcessStrata { $0.limits.maxQueryLookback = .seconds(600) }
        let now = (nowMs() / 1000) * 1000
        let old = now - 30 * 60_000
        let recent = now - 60_000
        try await strata.test { client in
            try await pushSeries(client, [(Self.series(0), [Sample(timestamp: old, value: 1), Sample(timestamp: recent, value: 2)])])
            // An instant query at the old sample's time finds nothing: it is older than the lookback.
            let atOld = try await apiCall(client, "/api/v1/query?query=m&time=\(old / 1000)")
            #expect(atOld.status == .ok)
            #expect(atOld.body == #"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
            // A range over both samples returns only points from the recent one.
            let range = try await apiCall(client, "/api/v1/query_range?query=m&start=\(old / 1000)&end=\(now / 1000)&step=60")
            #expect(range.status == .ok)
            let result = (range.json["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
            let values = result.first?["values"] as? [[Any]] ?? []
            #expect(!values.isEmpty)
            #expect(values.allSatisfy { ($0.last as? String) == "2" }, "\(range.body)")
            // Label lookups are clamped the same way.
            let names = try await apiCall(client, "/api/v1/labels?start=\(old / 1000)&end=\(old / 1000 + 60)")
            #expect(names.body == #"{"status":"success","data":[]}"#)
        }
    }

    @Test func withoutLimitsTheOldSampleIsRead() async throws {
        let strata = try await InProcessStrata()
        let now = (nowMs() / 1000) * 1000
        let old = now - 30 * 60_000
        try await strata.test { client in
            try await pushSeries(client, [(Self.series(0), [Sample(timestamp: old, value: 1), Sample(timestamp: now - 60_000, value: 2)])])
            let atOld = try await apiCall(client, "/api/v1/query?query=m&time=\(old / 1000)")
            #expect(atOld.body.contains(#""1"]"#))
        }
    }
}
