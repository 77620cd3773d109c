import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import StrataModel
import Testing

/// `/query` and `/query_range` evaluated end to end: pushed samples come back in Prometheus's
/// exact JSON, with limits, annotations and engine errors mapped to Prometheus's status codes.
@Suite struct QueryAPIResultTests {
    static let upA = Labels(["__name__": "up", "job": "node", "instance": "a:9100"])
    static let upB = Labels(["__name__": "up", "job": "node", "instance": "b:9100"])

    /// A whole second a minute ago, so sample times print predictably.
    static func base() -> Int64 { (nowMs() / 1000 - 60) * 1000 }

    @Test func instantQueryVector() async throws {
        let strata = try await InProcessStrata()
        let t0 = Self.base()
        try await strata.test { client in
            try await pushSeries(client, [(Self.upA, [Sample(timestamp: t0, value: 1), Sample(timestamp: t0 + 15_000, value: 0.25)])])
            let a = try await apiCall(client, "/prometheus/api/v1/query?query=up&time=\(t0 / 1000 + 20).5")
            #expect(a.status == .ok)
            #expect(a.body == #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"a:9100","job":"node"},"value":[\#(t0 / 1000 + 20).500,"0.25"]}]}}"#)
            // Another tenant sees nothing.
            let b = try await apiCall(client, "/prometheus/api/v1/query?query=up&time=\(t0 / 1000 + 20)", tenant: "team-b")
            #expect(b.body == #"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
        }
    }

    @Test func rangeQueryMatrix() async throws {
        let strata = try await InProcessStrata()
        let t0 = Self.base()
        try await strata.test { client in
            try await pushSeries(client, [(Self.upA, [Sample(timestamp: t0, value: 1), Sample(timestamp: t0 + 15_000, value: 2),
                                                       Sample(timestamp: t0 + 30_000, value: 3)])])
            let s = t0 / 1000
            let a = try await apiCall(client, "/api/v1/query_range", form: "query=up&start=\(s)&end=\(s + 30)&step=15s")
            #expect(a.status == .ok)
            #expect(a.body == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"a:9100","job":"node"},"values":[[\#(s),"1"],[\#(s + 15),"2"],[\#(s + 30),"3"]]}]}}"#)
            let wrongType = try await apiCall(client, "/api/v1/query_range?query=up%5B1m%5D&start=\(s)&end=\(s + 30)&step=15")
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.json["error"] as? String == #"invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector"#)
        }
    }

    @Test func scalarAndStringResults() async throws {
        let strata = try await InProcessStrata()
        try await strata.test { client in
            let a = try await apiCall(client, "/api/v1/query?query=1.5&time=1700000000.25")
            #expect(a.body == #"{"status":"success","data":{"resultType":"scalar","result":[1700000000.25,"1.5"]}}"#)
            let b = try await apiCall(client, "/api/v1/query?query=%22hello%22&time=1700000000")
            #expect(b.body == #"{"status":"success","data":{"resultType":"string","result":[1700000000,"hello"]}}"#)
        }
    }

    @Test func limitTruncatesSeries() async throws {
        let strata = try await InProcessStrata()
        let t0 = Self.base()
        try await strata.test { client in
            try await pushSeries(client, [(Self.upA, [Sample(timestamp: t0, value: 1)]), (Self.upB, [Sample(timestamp: t0, value: 1)])])
            let a = try await apiCall(client, "/api/v1/query?query=up&time=\(t0 / 1000)&limit=1")
            #expect((a.json["data"] as? [String: Any])?["result"].map { ($0 as? [Any])?.count } == 1)
            #expect(a.json["warnings"] as? [String] == ["results truncated due to limit"])
            let b = try await apiCall(client, "/api/v1/query?query=up&time=\(t0 / 1000)&limit=2")
            #expect(b.json["warnings"] == nil)
        }
    }

    @Test func executionErrorsAre422() async throws {
        let strata = try await InProcessStrata()
        let t0 = Self.base()
        try await strata.test { client in
            // Two series with the same labels once the name is dropped: a many-to-many match.
            try await pushSeries(client, [(Self.upA, [Sample(timestamp: t0, value: 1)]), (Self.upB, [Sample(timestamp: t0, value: 1)]),
                                          (Labels(["__name__": "x", "job": "node"]), [Sample(timestamp: t0, value: 1)])])
            let a = try await apiCall(client, "/api/v1/query?query=x%20%2B%20on(job)%20up&time=\(t0 / 1000)")
            #expect(a.status == .unprocessableContent)
            #expect(a.json["errorType"] as? String == "execution")
        }
    }

    @Test func timeoutAndAnnotations() async throws {
        let strata = try await InProcessStrata()
        let t0 = Self.base()
        try await strata.test { client in
            try await pushSeries(client, [(Self.upA, [Sample(timestamp: t0, value: 1), Sample(timestamp: t0 + 15_000, value: 2)])])
            let timedOut = try await apiCall(client, "/api/v1/query?query=up&time=\(t0 / 1000 + 20)&timeout=0s")
            #expect(timedOut.status == .serviceUnavailable)
            #expect(timedOut.json["errorType"] as? String == "timeout")
            #expect((timedOut.json["error"] as? String)?.hasPrefix("query timed out") == true)
            let rate = try await apiCall(client, "/api/v1/query?query=rate(up%5B1m%5D)&time=\(t0 / 1000 + 20)")
            #expect(rate.status == .ok)
            #expect(rate.json["infos"] as? [String] == [#"PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "up" (1:6)"#])
            #expect(rate.json["warnings"] == nil)
        }
    }

    @Test func federatedQueryAddsTenantLabel() async throws {
        let strata = try await InProcessStrata()
        let t0 = Self.base()
        try await strata.test { client in
            try await pushSeries(client, [(Self.upA, [Sample(timestamp: t0, value: 1)])], tenant: "team-a")
            try await pushSeries(client, [(Self.upA, [Sample(timestamp: t0, value: 2)])], tenant: "team-b")
            let both = try await apiCall(client, "/api/v1/query?query=sum%20by(__tenant_id__)(up)&time=\(t0 / 1000)", tenant: "team-a|team-b")
            #expect(both.status == .ok)
            let result = (both.json["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
            let byTenant = Dictionary(uniqueKeysWithValues: result.compactMap { r -> (String, String)? in
                guard let m = r["metric"] as? [String: String], let v = r["value"] as? [Any], let s = v.last as? String,
                      let tenant = m["__tenant_id__"] else { return nil }
                return (tenant, s)
            })
            #expect(byTenant == ["team-a": "1", "team-b": "2"])
            let onlyB = try await apiCall(client, "/api/v1/query?query=up%7B__tenant_id__%3D%22team-b%22%7D&time=\(t0 / 1000)", tenant: "team-a|team-b")
            #expect(onlyB.body.contains(#""__tenant_id__":"team-b""#))
            #expect(!onlyB.body.contains(#""__tenant_id__":"team-a""#))
        }
    }
}
